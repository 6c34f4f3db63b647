"""The throughput table behind the plan's projections (``python -m cxrcontrast check`` and ``run``): images per
second of one CPU thread for each encoder x model input size, training (forward, backward and an SGD step on
batches of 32, as the pretraining and the baseline train) and inference (batches of 256, no gradient, as the
evaluations encode), and each encoder's checkpoint size. Writes src/cxrcontrast/cost/throughput.json with the
machine it was measured on.

    .venv/bin/python benchmarks/bench_throughput.py [--sizes 28 32 64] [--seconds 3]

Figures are medians of timed runs after a warm-up; on a shared machine they are lower bounds of an idle one.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import time
from datetime import date
from pathlib import Path

import torch
from torch.nn import functional as F

from cxrcontrast.files import save_text
from cxrcontrast.models import build_encoder

OUT = Path(__file__).resolve().parents[1] / "src/cxrcontrast/cost/throughput.json"
ENCODERS = ("minivgg", "efficientnet_b0")
TRAIN_BATCH, INFER_BATCH = 32, 256


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def images_per_second(step, batch: int, seconds: float) -> float:
    """Median images/s of ``step`` (one batch) over repeated timed runs of about ``seconds`` in all."""
    step()  # warm-up: allocations, one-time kernel choices
    rates, spent = [], 0.0
    while spent < seconds or len(rates) < 3:
        start = time.perf_counter()
        step()
        took = time.perf_counter() - start
        rates.append(batch / took)
        spent += took
    return statistics.median(rates)


def measure(encoder: str, size: int, seconds: float) -> dict:
    torch.manual_seed(0)
    model = build_encoder(encoder, size).to(memory_format=torch.channels_last)  # as CPU jobs run (docs/cluster.md)
    head = torch.nn.Linear(model.out_features, 15)
    params = [p for p in [*model.parameters(), *head.parameters()] if p.requires_grad]
    optim = torch.optim.SGD(params, lr=0.01, momentum=0.9)
    x = torch.rand(TRAIN_BATCH, 3, size, size).to(memory_format=torch.channels_last)
    y = torch.randint(0, 15, (TRAIN_BATCH,))

    def train_step():
        optim.zero_grad()
        F.cross_entropy(head(model(x)), y).backward()
        optim.step()

    xi = torch.rand(INFER_BATCH, 3, size, size).to(memory_format=torch.channels_last)

    def infer_step():
        with torch.no_grad():
            model(xi)

    model.train()
    train = images_per_second(train_step, TRAIN_BATCH, seconds)
    model.eval()
    infer = images_per_second(infer_step, INFER_BATCH, seconds)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return {
        "train_images_per_s": round(train, 1),
        "infer_images_per_s": round(infer, 1),
        "checkpoint_bytes": buffer.tell(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[28, 32, 64])
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per figure")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)  # per thread: CPU-hours are thread-hours, whatever a job's threads
    table = {
        "machine": f"{cpu_name()}, {torch.get_num_threads()} thread, torch {torch.__version__}, "
        f"shared by other jobs, measured {date.today().isoformat()}",
        "device": "cpu",
        "rows": [{"encoder": e, "image_size": s, **measure(e, s, args.seconds)} for e in ENCODERS for s in args.sizes],
    }
    for row in table["rows"]:
        print(row)
    save_text(args.out, json.dumps(table, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
