"""Projected time of MedMNIST v2's recipe (Yang et al. 2023: Adam, batch 128, 100 epochs, ResNet-18/50 at 28 and
224 px, end to end, the model of the best validation AUC) on one flag, from the throughput table the plan uses
(src/cxrcontrast/cost/throughput.json, benchmarks/bench_throughput.py), on 2 CPU cores and, as an estimate, on one
H100.

    .venv/bin/python benchmarks/project_medmnist_v2.py [--flags pneumoniamnist chestmnist]

A run is what the workflow's ``official`` end-to-end job does: every epoch one pass over the training split
(forward, backward, step) and one over validation (inference), then one inference pass over the test split.
CPU: the table's images per CPU-second of one thread; 2 cores run two such one-thread jobs at a time (the four
runs of a flag in two rounds), so the wall time is half the thread-hours, data loading and start-up left out.

H100 (estimate, nothing measured on a GPU here): NVIDIA's published training throughput of ResNet-50 v1.5 at
224 px on one A100 80GB, mixed precision, is 2,470 images/s (NVIDIA DeepLearningExamples,
PyTorch/Classification/ConvNets/resnet50v1.5/README.md, "Training performance: NVIDIA DGX A100"); an H100 is
taken as 1.5 to 2 times an A100 for this convolutional training (the generation step NVIDIA and MLPerf Training
report; an assumption, not a measurement). The other models and sizes are scaled from that figure by the ratio of
their CPU training rates to ResNet-50's at 224 px in the table (the CPU is compute-bound, so the ratio is one of
arithmetic). Inference is taken as 3 times training (one forward pass of the three a step costs). At 28 px a GPU
step is bound by kernel launches and the data loader rather than arithmetic, so the 28-px H100 figures are lower
bounds of the time.
"""

from __future__ import annotations

import argparse

from cxrcontrast.cost.data_sizes import medmnist_rows
from cxrcontrast.cost.projection import ThroughputTable

EPOCHS = 100
MODELS = [("resnet18", 28), ("resnet18", 224), ("resnet50", 28), ("resnet50", 224)]
A100_RESNET50_224 = 2470.0  # images/s, mixed precision, one A100 80GB (NVIDIA DeepLearningExamples)
H100_OVER_A100 = (1.5, 2.0)  # assumed range


def images(flag: str) -> tuple[float, float]:
    """(training images, inference images) of one run of the recipe on ``flag``."""
    rows = medmnist_rows(flag)
    return EPOCHS * rows["train"], EPOCHS * rows["val"] + rows["test"]


def cpu_thread_hours(table: ThroughputTable, encoder: str, side: int, flag: str) -> float:
    row = table.at(encoder, side)
    train, infer = images(flag)
    return (train / row.train_images_per_s + infer / row.infer_images_per_s) / 3600


def h100_hours(table: ThroughputTable, encoder: str, side: int, flag: str) -> tuple[float, float]:
    """(fastest, slowest) estimated hours on one H100."""
    ratio = table.at(encoder, side).train_images_per_s / table.at("resnet50", 224).train_images_per_s
    train, infer = images(flag)
    hours = []
    for speedup in H100_OVER_A100:
        rate = A100_RESNET50_224 * speedup * ratio
        hours.append((train / rate + infer / (3 * rate)) / 3600)
    return min(hours), max(hours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flags", nargs="+", default=["pneumoniamnist", "chestmnist"])
    args = parser.parse_args()
    table = ThroughputTable.shipped()
    print(f"from {table.machine}")
    print("| flag (train images) | model | px | CPU thread-hours | 2 cores, wall | one H100 (estimate) |")
    print("|---|---|---|---|---|---|")
    for flag in args.flags:
        total, fast, slow = 0.0, 0.0, 0.0
        for encoder, side in MODELS:
            hours = cpu_thread_hours(table, encoder, side, flag)
            low, high = h100_hours(table, encoder, side, flag)
            total, fast, slow = total + hours, fast + low, slow + high
            print(
                f"| {flag} ({medmnist_rows(flag)['train']:,}) | {encoder} | {side} | {hours:,.1f} | "
                f"{hours / 2:,.1f} h | {60 * low:,.1f}-{60 * high:,.1f} min |"
            )
        print(
            f"| {flag}: the four runs | | | {total:,.1f} | {total / 2:,.1f} h | {60 * fast:,.0f}-{60 * slow:,.0f} min |"
        )


if __name__ == "__main__":
    main()
