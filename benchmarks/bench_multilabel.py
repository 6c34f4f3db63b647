"""Pretraining throughput of the multi-label objectives beside SupCon: images per second of the real training
step (the objective's batches, two augmented views, one forward, the loss, backward, SGD step) on one thread,
with config.yaml's blocks (batch 128, temperature 0.1) at 28 px; then the projected time of a multi-label grid
on real ChestMNIST at that rate.

    .venv/bin/python benchmarks/bench_multilabel.py RESULTS/chest/data [--steps 12]

RESULTS/chest/data: the pruned/ and unpruned/ splits of a demo run (synthetic ChestMNIST-format images: the
step costs the same on any images of the size). Figures are medians over steps after two warm-up steps, per
second of this process's CPU time (``time.process_time``): on the shared 2-core machine (load 5-10) wall time
measured the other jobs, while one thread's CPU time is what the step costs a core it has to itself (an idle
core also keeps its caches: the figure is, if anything, low).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from cxrcontrast.config import load_layers
from cxrcontrast.data.images import load_images
from cxrcontrast.models.build import build_embedder
from cxrcontrast.training.accel import Accel
from cxrcontrast.training.objective import build_objective
from cxrcontrast.training.optim import Optim

REPO = Path(__file__).resolve().parents[1]
OBJECTIVES = ("supcon", "supcon_jaccard", "mulsupcon")
CHESTMNIST_TRAIN = 78_468  # official ChestMNIST training images (every one: the multi-label objectives' data)
CPU = torch.device("cpu")


def step_rate(name: str, data_dir: Path, steps: int) -> float:
    """Median images per CPU second (each image two views) of the pretraining step of objective ``name``."""
    run = load_layers([REPO / "config/config.yaml"], REPO / "workflow/schemas/config.schema.yaml").on("chestmnist")
    params = run.pretrain_params("minivgg", name)
    data = load_images([str(data_dir / run.pretrain_split(name) / "train.npz")], params["image_size"])
    objective = build_objective(name, params["block"], data.labels, params["augment"])
    torch.manual_seed(0)
    model = build_embedder("minivgg", params["image_size"], params["architecture"], params["z_head"], None, 15)
    optim = Optim.from_block(params["block"])
    opt = optim.build(model.parameters())
    forward = Accel().prepare(model, CPU)
    g = torch.Generator().manual_seed(0)
    batches = [b for _, b in zip(range(steps + 2), objective.batches(g, 1))]
    rates = []
    model.train()
    for i, batch in enumerate(batches):
        start = time.process_time()
        loss, stats = objective.loss(forward, data, batch, g, CPU)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= 2:  # warm-up: allocations, one-time kernel choices
            rates.append(len(batch) / (time.process_time() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a demo run's results/chest/data")
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()
    torch.set_num_threads(1)
    epochs = (
        load_layers([REPO / "config/config.yaml"], REPO / "workflow/schemas/config.schema.yaml")
        .on("chestmnist")
        .settings["pretrain"]["supcon_jaccard"]["epochs"]
    )
    print(
        f"| objective | images per CPU s (1 thread, 28 px, batch 128) | one epoch of {CHESTMNIST_TRAIN:,} images (s) |"
    )
    print("|---|---|---|")
    for name in OBJECTIVES:
        rate = step_rate(name, args.data, args.steps)
        print(f"| {name} | {rate:,.0f} | {CHESTMNIST_TRAIN / rate:,.0f} |")
    print(f"(config.yaml's epochs of the multi-label objectives: {epochs})")


if __name__ == "__main__":
    main()
