"""The throughput table behind the plan's projections (``python -m cxrcontrast check`` and ``run``): images per
CPU-second of one thread for each encoder x model input size, training (forward, backward and an SGD step, as the
pretraining and the baseline train) and inference (no gradient, as the evaluations encode), the peak memory of
each, and each encoder's checkpoint size. Writes src/cxrcontrast/cost/throughput.json with the machine it was
measured on.

    .venv/bin/python benchmarks/bench_throughput.py [--encoders resnet18 ...] [--seconds 0.5]

A handful of batches per figure, not epochs: one untimed warm-up step, then timed steps until ``--seconds`` have
passed (at least 2); the figure is their median. Batches: 32 to train and 64 to infer up to 64 px, 8 and 16 above
(a ResNet-50 step at 224 px takes seconds on one thread). Encoders that zero-pad every input to 224 px
(DenseNet-121, ViT-B/16, as MedMNIST+) cost the same at every size: they are measured at 224 only, and the row says
``pads_to`` so the projection scales nothing for them.

Peak memory: each figure runs in a fresh process (spawned), and is the growth of its peak resident set
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) from just before the model is built to after the timed steps:
model, optimizer state, activations and the allocator's workspace at that batch, not the interpreter or torch.
On a shared machine the rates are CPU time (``time.process_time``), which other jobs disturb only through the
caches and memory bandwidth they share; each row records the 1-minute load average when it was measured.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import platform
import resource
import statistics
import time
from datetime import date
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/cxrcontrast/cost/throughput.json"
SIZES = {  # encoder -> model input sides measured: the sizes the configs use, and MedMNIST's 28/64/128/224
    "minivgg": (28, 32, 64, 128),
    "efficientnet_b0": (28, 32, 64, 128, 224),
    "resnet18": (28, 32, 64, 128, 224),
    "resnet50": (28, 32, 64, 128, 224),
    "densenet121": (224,),  # zero-padded to 224 from every smaller size
    "vit_b_16": (224,),
}
LARGE = 64  # above this side, the small batches


def batches(size: int) -> tuple[int, int]:
    """(training batch, inference batch) at a model input side."""
    return (32, 64) if size <= LARGE else (8, 16)


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def images_per_second(step, batch: int, seconds: float) -> float:
    """Median images per CPU-second of ``step`` (one batch) over at least 2 timed runs and about ``seconds`` of
    CPU time in all. CPU time of this process, not wall time: the plan projects CPU-hours, and on a machine
    shared with other jobs the wall time of one thread counts the others' turns too (a load of 10 on 2 cores
    made wall-clock rates 3-5 times lower than these)."""
    step()  # warm-up: allocations, one-time kernel choices
    rates, spent = [], 0.0
    while spent < seconds or len(rates) < 2:
        start = time.process_time()
        step()
        took = time.process_time() - start
        rates.append(batch / took)
        spent += took
    return statistics.median(rates)


def measure_one(encoder: str, size: int, mode: str, seconds: float) -> dict:
    """One figure in this (fresh) process: ``mode`` train or infer. Imports here: the parent stays light."""
    import torch
    import torchvision  # noqa: F401  (imported before the baseline: the ResNets build through it)
    from torch.nn import functional as F

    from cxrcontrast.models import build_encoder

    torch.set_num_threads(1)  # per thread: CPU-hours are thread-hours, whatever a job's threads
    torch.manual_seed(0)
    train_batch, infer_batch = batches(size)
    before = peak_rss_mb()
    model = build_encoder(encoder, size).to(memory_format=torch.channels_last)  # as CPU jobs run (docs/cluster.md)
    if mode == "train":
        head = torch.nn.Linear(model.out_features, 15)
        params = [p for p in [*model.parameters(), *head.parameters()] if p.requires_grad]
        optim = torch.optim.SGD(params, lr=0.01, momentum=0.9)
        x = torch.rand(train_batch, 3, size, size).to(memory_format=torch.channels_last)
        y = torch.randint(0, 15, (train_batch,))

        def step():
            optim.zero_grad()
            F.cross_entropy(head(model(x)), y).backward()
            optim.step()

        model.train()
        rate = images_per_second(step, train_batch, seconds)
    else:
        x = torch.rand(infer_batch, 3, size, size).to(memory_format=torch.channels_last)

        def step():
            with torch.no_grad():
                model(x)

        model.eval()
        rate = images_per_second(step, infer_batch, seconds)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return {
        "rate": rate,
        "peak_mb": peak_rss_mb() - before,
        "checkpoint_bytes": buffer.tell(),
        "features": model.out_features,  # the heads' input: the plan counts their bytes from it
        "pads_to": getattr(model, "pad_to", 0),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__.split("+")[0],
    }


def _measure_in_child(args: tuple) -> dict:
    return measure_one(*args)


def measure(encoder: str, size: int, seconds: float) -> dict:
    """The row of ``encoder`` at ``size``: training and inference each in a fresh spawned process (its own peak)."""
    spawn = multiprocessing.get_context("spawn")
    figures = {}
    for mode in ("train", "infer"):
        with spawn.Pool(1) as pool:  # a fresh process per figure: ru_maxrss only grows
            figures[mode] = pool.apply(_measure_in_child, ((encoder, size, mode, seconds),))
    train_batch, infer_batch = batches(size)
    return {
        "encoder": encoder,
        "image_size": size,
        "train_images_per_s": round(figures["train"]["rate"], 1),
        "infer_images_per_s": round(figures["infer"]["rate"], 1),
        "checkpoint_bytes": figures["train"]["checkpoint_bytes"],
        "features": figures["train"]["features"],
        "train_batch": train_batch,
        "infer_batch": infer_batch,
        "train_peak_mb": round(figures["train"]["peak_mb"]),
        "infer_peak_mb": round(figures["infer"]["peak_mb"]),
        "pads_to": figures["train"]["pads_to"],
        "load": round(os.getloadavg()[0], 1),
        "_torch": figures["train"]["torch"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoders", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--seconds", type=float, default=0.5, help="timed seconds per figure (at least 2 steps)")
    parser.add_argument("--note", default="shared by other jobs", help="how busy the machine was")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = []
    for encoder in args.encoders:
        for size in SIZES[encoder]:
            rows.append(measure(encoder, size, args.seconds))
            print({k: v for k, v in rows[-1].items() if not k.startswith("_")}, flush=True)
    version = rows[0].pop("_torch")
    for row in rows:
        row.pop("_torch", None)
    table = {
        "machine": f"{cpu_name()}, {os.cpu_count()} cores, 1 thread, torch {version}, CPU time, {args.note} "
        f"(each row's load), measured {date.today().isoformat()}",
        "device": "cpu",
        "rows": rows,
    }
    from cxrcontrast.files import save_text

    save_text(args.out, json.dumps(table, indent=1) + "\n")
    print(f"wrote {args.out} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
