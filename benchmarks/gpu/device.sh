#!/usr/bin/env bash
# One prepared run on a lent GPU machine (H100/H200), from the repository root.
#
# Here, first (the GPU image has torch but not snakemake & co; wheels travel along):
#   .venv/bin/python benchmarks/gpu/fetch_wheels.py --have <names in the image> --dest .whl
# Then, through the device tool: run, carry [".whl"], command "bash benchmarks/gpu/device.sh",
# timeout_s 590. Settings by environment: SLOTS (GPU jobs at a time, 4), SEEDS ("0"),
# EPOCHS (probe epochs per training job, 2), LIMIT (seconds for the grid, 420),
# SCALE (fraction of the real data sizes, 1).
# Everything it prints also lands in $OUT: device.txt, grid.log, grid_jobs.csv, results.tgz.
set -uo pipefail
OUT=${OUT:-/tmp/cxr-gpu-out}
mkdir -p "$OUT"
SLOTS=${SLOTS:-4} SEEDS=${SEEDS:-0} EPOCHS=${EPOCHS:-2} LIMIT=${LIMIT:-420} SCALE=${SCALE:-1}
wheels=$(find .whl -name '*-cp3*.whl' 2>/dev/null | grep -o 'cp3[0-9]*' | sort -u | head -1)
here=$(python3 -c 'import sys; print("cp%d%d" % sys.version_info[:2])')
[ -z "$wheels" ] || [ "$wheels" = "$here" ] \
  || { echo "the wheels in .whl are for $wheels, this python3 is $here: fetch_wheels.py --python-version"; exit 1; }
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
  || { echo "wheel install failed: run benchmarks/gpu/fetch_wheels.py here and carry .whl"; exit 1; }
export PYTHONPATH=/tmp/site:$PWD/src${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 PATH=/tmp/site/bin:$PATH
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  echo "cores: $(nproc)"
  python3 -c "import torch, snakemake, pytorch_metric_learning as p; print('torch', torch.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'NO GPU', 'snakemake', snakemake.__version__, 'pml', p.__version__)"
} 2>&1 | tee "$OUT/device.txt"
# shellcheck disable=SC2086  # SEEDS is a list
python3 benchmarks/bench_grid.py --probe-epochs "$EPOCHS" --seeds $SEEDS --slots "$SLOTS" --cores "$(nproc)" \
  --limit "$LIMIT" --scale "$SCALE" --work /tmp/cxr-grid --out "$OUT" 2>&1 | tee "$OUT/grid.log"
tar czf "$OUT/results.tgz" -C /tmp/cxr-grid results/benchmarks results/logs \
  $(cd /tmp/cxr-grid && ls -d results/pretrain/*/*/*/history.csv results/classify/*/*/*/*/*/history.csv 2>/dev/null)
