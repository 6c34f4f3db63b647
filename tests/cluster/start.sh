#!/usr/bin/env bash
# Start a real single-node SLURM cluster on localhost, with fake GPUs declared as GRES.
# For the tests and CI only (users submit to their own cluster through profiles/slurm).
# Needs root and Debian's packages; no systemd. Idempotent: re-running restarts the daemons.
# Facts behind each step: ../shared/notes/local-slurm.md (gotcha numbers in the comments).
set -euo pipefail
STATE=${CXR_SLURM_STATE:-/var/tmp/cxr-slurm}
GPUS=${CXR_SLURM_GPUS:-2}
HERE=$(cd "$(dirname "$0")" && pwd)

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then  # (2) postinst would start services before any config exists
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    munge slurm-client slurmctld slurmd slurm-wlm-basic-plugins >/dev/null
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

"$HERE/stop.sh" >/dev/null 2>&1 || true
HOST=$(hostname -s)
mkdir -p /etc/slurm "$STATE/state" "$STATE/spool" /run/munge /var/log/slurm /dev/fakegpu
chown slurm:slurm "$STATE/state" /var/log/slurm
chown munge:munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then  # (3)
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key

# (7) a GPU needs a device file: /dev/null clones; one GPU on /dev/null where mknod is refused
gres="Name=gpu File=/dev/fakegpu/gpu[0-$((GPUS - 1))]"
for i in $(seq 0 $((GPUS - 1))); do
  [ -e /dev/fakegpu/gpu$i ] || mknod /dev/fakegpu/gpu$i c 1 3 2>/dev/null || { GPUS=1; gres="Name=gpu File=/dev/null"; break; }
done

# (4) the node as slurmd detects it, 90% of the memory
topo=$(slurmd -C | head -1 | grep -o 'CPUs=[0-9]* Boards=[0-9]* SocketsPerBoard=[0-9]* CoresPerSocket=[0-9]* ThreadsPerCore=[0-9]*')
mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 90 / 100))
cat >/etc/slurm/slurm.conf <<CONF
ClusterName=localcluster
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=$STATE/state
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
GresTypes=gpu
ReturnToService=2
MinJobAge=300
NodeName=$HOST NodeAddr=127.0.0.1 $topo RealMemory=$mem Gres=gpu:$GPUS State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
printf 'AutoDetect=off\n%s\n' "$gres" >/etc/slurm/gres.conf

runuser -u munge -- munged  # (3) daemons without systemd
slurmctld
slurmd
for _ in $(seq 1 50); do
  state=$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)
  case "$state" in
    idle | mixed | allocated) break ;;
    drain* | down*) scontrol update nodename="$HOST" state=resume || true ;;  # (8)
  esac
  sleep 0.2
done
state=$(sinfo -h -N -o %T | head -1)
case "$state" in idle | mixed | allocated) ;; *) echo "SLURM node is '$state', not idle" >&2; exit 1 ;; esac
echo "SLURM up: node $HOST ($state), $GPUS fake GPU(s), partition debug"
