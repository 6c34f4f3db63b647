#!/usr/bin/env bash
# SLURM jobs the cluster test's target submits (one encoder state: its data, pretraining, classification,
# evaluate, embed and probe) through profiles/localslurm, without and with the evaluation group.
# Needs the test cluster: `bash tests/cluster/start.sh` (root), then `bash benchmarks/bench_slurm_jobs.sh`.
# Scratch copies of the workflow in ${SCRATCH:-/tmp}; nothing in the repository is written.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$REPO/.venv/bin/python}
R=results/chest
for mode in ungrouped grouped; do
  W=${SCRATCH:-/tmp}/cxr_slurm_$mode
  rm -rf "$W" && mkdir -p "$W"
  cp "$REPO/Snakefile" "$W/" && cp -r "$REPO/workflow" "$REPO/config" "$REPO/profiles" "$W/"
  if [ "$mode" = ungrouped ]; then  # docs/cluster.md's way to ungroup: drop the four keys
    "$PY" - "$W/profiles/localslurm/config.yaml" <<'PY'
import sys, yaml
path = sys.argv[1]
profile = yaml.safe_load(open(path))
for key in ("groups", "group-components", "resources", "set-resource-scopes"):
    profile.pop(key)
yaml.safe_dump(profile, open(path, "w"))
PY
  fi
  cat >"$W/tiny.yaml" <<'YAML'
datasets: {chest: {source: demo, train: 600, val: 150, test: 150, seed: 1}}
pretrain: {normal: {epochs: 1}}
classify: {finetune: {epochs: 1}}
evaluate: {corruptions: [pixelate], severities: [1]}
embeddings: {points: 100}
YAML
  before=$(squeue -h -t all -o %i | sed 's/_.*//' | sort -n | tail -1)
  start=$(date +%s)
  (cd "$W" && timeout 900 "$(dirname "$PY")/snakemake" --profile profiles/localslurm \
    "$R/metrics/minivgg/normal/train/labels1/seed0/metrics.json" "$R/embeddings/minivgg/normal/seed0/quality.json" \
    "$R/probes/minivgg/normal/seed0/probes.json" --configfile config/config.yaml config/demo.yaml tiny.yaml >run.log 2>&1)
  jobs=$(squeue -h -t all -o '%i %T %k' | awk -v b="${before:-0}" '$1 + 0 > b' | sed 's/_wildcards.*//')
  echo "$mode: $(echo "$jobs" | wc -l) SLURM jobs in $(($(date +%s) - start)) s"
  echo "$jobs" | sed 's/^/  /'
done
