"""Training throughput on full-size data: our data path vs the compute ceiling vs the authors' style;
triplets with one concatenated forward vs three; the hard sampler's mining overhead; peak memory."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fullsize
import numpy as np
import torch
from timing import interleaved_medians
from torch.nn import functional as F

from cxrcontrast.config import load_layers
from cxrcontrast.data.images import InMemoryImages, load_images
from cxrcontrast.files import load_npz
from cxrcontrast.models import Classifier, ClassifierHead, Embedder, build_encoder
from cxrcontrast.training.accel import Accel
from cxrcontrast.training.classify import train_classifier
from cxrcontrast.training.features import feature_source
from cxrcontrast.training.miners import BatchHard
from cxrcontrast.training.objective import build_objective
from cxrcontrast.training.optim import Optim
from cxrcontrast.training.resume import Resume
from cxrcontrast.training.selection import selection
from cxrcontrast.training.tasks import SingleLabel
from cxrcontrast.vocabulary.experiments import Experiment

REPO = Path(__file__).resolve().parents[1]
CONFIG = load_layers([REPO / "config/config.yaml"], REPO / "workflow/schemas/config.schema.yaml").on("chestmnist")

N = 8000  # images per measured epoch slice
CPU = torch.device("cpu")


def same_layout(net):
    """The memory layout our loops use on this device, so every pipeline times the same model."""
    return Accel.for_device(None, CPU).prepare(net, CPU)


def model(frozen: bool = False):
    torch.manual_seed(0)
    enc = build_encoder("minivgg", 32)
    net = Classifier(
        enc,
        ClassifierHead.from_block(
            enc.out_features, 15, CONFIG.settings["encoders"]["minivgg"]["head"], softmax_output=False
        ),
    )
    if frozen:
        net.encoder.requires_grad_(False)
    return same_layout(net)


def ours(train: InMemoryImages, val: InMemoryImages, tmp: Path, frozen: bool) -> float:
    """Epochs of the real loop (balanced sampling, per-batch normalization), tiny validation.

    Fine-tuning encodes the split once and then trains the head on the features, so
    its figure is over 5 epochs (the one-time encoding amortized over them)."""
    part = train.rows(torch.arange(N))
    resume = Resume(Path(tempfile.mkdtemp(dir=tmp)), {})  # fresh: nothing to resume
    epochs = 5 if frozen else 1
    start = time.perf_counter()
    optim = Optim(epochs=epochs, batch_size=32, lr=0.01, momentum=0.9, weight_decay=0.0)
    freeze_bn = CONFIG.settings["classify"]["freeze_batchnorm"]
    source = feature_source(model(frozen), part, val, CPU, Accel.for_device(None, CPU), frozen, freeze_bn)
    train_classifier(source, optim, 0, resume, selection(CONFIG.settings["classify"]["select_on"], SingleLabel.select))
    return epochs * N / (time.perf_counter() - start)


def step(net, frozen, xb, yb, opt):
    if frozen:  # the authors' fine-tuning: the frozen encoder runs on every batch
        with torch.no_grad():
            h = net.encoder(xb)
        out = net.head(h)
    else:
        out = net(xb)
    loss = F.cross_entropy(out, yb)
    opt.zero_grad()
    loss.backward()
    opt.step()


def ceiling(train: InMemoryImages, frozen: bool) -> float:
    """The same model stepping over float batches already in memory: no sampling, no conversion."""
    net = model(frozen).train()
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.01, momentum=0.9)
    x = torch.randn(N, 3, 32, 32)
    y = train.labels[:N]
    start = time.perf_counter()
    for xb, yb in zip(x.split(32), y.split(32)):
        step(net, frozen, xb, yb, opt)
    return N / (time.perf_counter() - start)


def authors_style(images: np.ndarray, labels: np.ndarray, frozen: bool) -> float:
    """The authors' data path: a Dataset of PIL images through their per-item transform chain
    (Resize 300, RandomCrop 250, Resize 32, rotation, translation, ToTensor, Normalize),
    WeightedRandomSampler, DataLoader(batch 32)."""
    from bench_augment import authors_pipeline
    from PIL import Image
    from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler
    from torchvision import transforms as T

    tf = T.Compose([authors_pipeline(), T.Lambda(lambda t: t.expand(3, -1, -1))])

    class Chest(Dataset):
        def __len__(self):
            return N

        def __getitem__(self, i):
            return tf(Image.fromarray(images[i])), int(labels[i])

    counts = np.bincount(labels[:N], minlength=15)
    weights = 1.0 / counts[labels[:N]]
    loader = DataLoader(Chest(), batch_size=32, sampler=WeightedRandomSampler(weights, N))
    net = model(frozen).train()
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.01, momentum=0.9)
    start = time.perf_counter()
    for xb, yb in loader:
        step(net, frozen, xb, yb, opt)
    return N / (time.perf_counter() - start)


def embedder():
    torch.manual_seed(0)
    net = Embedder(build_encoder("minivgg", 32)).train()
    return net, same_layout(net)


def triplets(train: InMemoryImages, forward: str) -> float:
    """Triplet pretraining steps: one forward pass over the concatenated roles ("joint") or one per role."""
    net, run = embedder()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    block = {**CONFIG.objective("minivgg", "normal"), "forward": forward}
    objective = build_objective("normal", block, train.labels)
    g = torch.Generator().manual_seed(0)
    images = 0
    start = time.perf_counter()
    for i, batch in enumerate(objective.batches(g, 1)):
        if i * 32 >= N // 3:
            break
        loss, stats = objective.loss(run, train, batch, g)
        opt.zero_grad()
        loss.backward()
        opt.step()
        images += stats["images"]
    return images / (time.perf_counter() - start)


def mining_overhead(train: InMemoryImages) -> tuple[float, float]:
    """Milliseconds per batch: batch-hard mining alone, and a whole hard-objective step."""
    net, run = embedder()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    objective = build_objective("hard", CONFIG.objective("minivgg", "hard"), train.labels)
    g = torch.Generator().manual_seed(0)
    mine, step, n = 0.0, 0.0, 0
    for batch in objective.batches(g, 1):
        t0 = time.perf_counter()
        loss, _ = objective.loss(run, train, batch, g)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += time.perf_counter() - t0
        z = run(train.batch(batch))[1].detach()
        t1 = time.perf_counter()
        BatchHard()(z, train.labels[batch])
        mine += time.perf_counter() - t1
        n += 1
        if n == 100:
            break
    return 1000 * mine / n, 1000 * step / n


PEAK = """
import json, resource, sys
from cxrcontrast.runtime import set_threads
from cxrcontrast.stages.classify import run_classify
set_threads(2)
root, out, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
run_classify(train=[root + "/train.npz"], val=root + "/val.npz", classes=root + "/classes.json",
             out_model=out + "/model.pt", out_history=out + "/h.csv", params=params, seed=0, device="cpu")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run() -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="cxr-bench-"))
    root = fullsize.make(fullsize.CACHE)
    t0 = time.perf_counter()
    train = load_images([str(root / "train.npz")], 32)
    load_s = time.perf_counter() - t0
    val = load_images([str(root / "val.npz")], 32)
    small_val = val.rows(torch.arange(64))
    raw = load_npz(root / "train.npz", ("images", "labels"))
    raw_images, raw_labels = raw["images"], raw["labels"]
    print(f"load + resize of the full train split (64007 images): {load_s:.2f} s")
    figures = {}
    for frozen, kind in ((False, "baseline, end to end"), (True, "fine-tuning, frozen encoder, 5 epochs")):
        ceiling(train, frozen)  # warm-up, untimed: the first pass builds oneDNN's kernels for these shapes
        pipelines = {
            "ours": lambda frozen=frozen: ours(train, small_val, tmp, frozen),
            "ceiling": lambda frozen=frozen: ceiling(train, frozen),
            "authors": lambda frozen=frozen: authors_style(raw_images, raw_labels, frozen),
        }
        f = interleaved_medians(pipelines)
        print(f"classification epoch ({kind}), our data path: {f['ours']:9,.0f} images/s")
        print(f"  same model over tensors in memory (ceiling):  {f['ceiling']:9,.0f} images/s")
        print(f"  authors' style DataLoader (PIL per item):     {f['authors']:9,.0f} images/s")
        print(
            f"  ours / ceiling: {f['ours'] / f['ceiling']:.2f} (target >= 0.9); "
            f"ours / authors': {f['ours'] / f['authors']:.1f}x (target >= 2.5x)"
        )
        figures["frozen" if frozen else "baseline"] = f
    triplets(train, "joint")  # warm-up, untimed (kernels for the concatenated batch's shape)
    t = interleaved_medians({"concat": lambda: triplets(train, "joint"), "three": lambda: triplets(train, "per_role")})
    concat, three = t["concat"], t["three"]
    print(
        f"triplet pretraining, one concatenated forward: {concat:8,.0f} images/s; three forwards: {three:8,.0f} "
        f"images/s ({concat / three:.2f}x)"
    )
    mine, step = mining_overhead(train)
    print(
        f"hard sampler: batch-hard mining {mine:.2f} ms per batch of 32, "
        f"{100 * mine / step:.1f}% of a {step:.1f} ms step"
    )
    out = tmp / "peak"
    out.mkdir()
    import json

    params = CONFIG.classify_params(Experiment("minivgg", "none", "train"))
    params["classify"]["epochs"] = 1
    proc = subprocess.run(
        [sys.executable, "-c", PEAK, str(root), str(out), json.dumps(params)],
        capture_output=True,
        text=True,
        check=True,
    )
    peak_mb = int(proc.stdout.split()[-1]) / 1024
    print(f"peak memory of a full-size training job (1 epoch, 64007 images): {peak_mb:,.0f} MiB (target < 2048)")
    figures.update(concat=concat, three=three, mining_ms=mine, step_ms=step, peak_mb=peak_mb)
    return figures
