"""Evaluation of the full test split (18187 images): predictions, metrics with 1000 bootstrap
resamples, and t-SNE of 4000 embeddings, in seconds; and the dry run of the full grid."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fullsize
import torch
from timing import median_time

from cxrcontrast.data.images import load_images
from cxrcontrast.evaluation.bootstrap import bootstrap
from cxrcontrast.evaluation.embeddings import subsample, tsne
from cxrcontrast.evaluation.inference import embed, predict_probs
from cxrcontrast.evaluation.metrics import classification_metrics
from cxrcontrast.evaluation.paper_protocol import paper_protocol
from cxrcontrast.evaluation.probes import knn_probs, linear_probs
from cxrcontrast.models import Classifier, ClassifierHead, build_encoder
from cxrcontrast.models.build import untrained_embedder

REPO = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")


def probes(t: dict) -> None:
    """What a probe job computes for one encoder state: h of every split, kNN, the linear probe (once: minutes)."""
    root = fullsize.make_learnable(fullsize.CACHE.with_name("cxr-bench-learnable"))
    model = untrained_embedder("minivgg", {"xavier": True}, 32, 0)
    start = time.perf_counter()
    feats = {}
    for split in ("train", "val", "test"):
        data = load_images([str(root / f"{split}.npz")], 32)
        feats[split] = (embed(model, data, CPU)[0].numpy(), data.labels.numpy())
    t["probe_encode"] = time.perf_counter() - start
    start = time.perf_counter()
    knn_probs(*feats["train"], feats["test"][0], 15, k=20, temperature=0.07)
    t["probe_knn"] = time.perf_counter() - start
    start = time.perf_counter()
    linear_probs(*feats["train"], *feats["val"], feats["test"][0], 15)
    t["probe_linear"] = time.perf_counter() - start
    on_features = t["probe_knn"] + t["probe_linear"]
    print(
        f"probes of one encoder state (64007 train, 9191 val, 18187 test): h of every split {t['probe_encode']:.1f} s; "
        f"kNN (k=20, cosine) {t['probe_knn']:.1f} s; linear probe {t['probe_linear']:.1f} s"
    )
    print(
        f"  on the cached features: {on_features:.1f} s (target < 60 s on 2 cores); "
        f"the whole job's work: {on_features + t['probe_encode']:.1f} s"
    )


def run() -> dict:
    root = fullsize.make(fullsize.CACHE)
    test = load_images([str(root / "test.npz")], 32)
    torch.manual_seed(0)
    enc = build_encoder("minivgg", 32)
    net = Classifier(enc, ClassifierHead(enc.out_features, 15, hidden=(256,), dropout=0.3)).eval()  # the paper's head
    labels = test.labels.numpy()
    box = {}

    def predict():
        box["probs"] = predict_probs(net, test, CPU).numpy()

    def metrics():  # what the evaluate job computes
        classification_metrics(box["probs"], labels)
        bootstrap(box["probs"], labels, resamples=1000, seed=0)
        paper_protocol(box["probs"], labels, seed=0)

    def embed_tsne():  # what the embed job computes on the val split: h and z, a t-SNE of each
        idx = torch.from_numpy(subsample(len(test), 4000, 0))
        h, z = embed(untrained_embedder("minivgg", {"xavier": True}, 32, 0), test, CPU, idx)
        tsne(h.numpy(), 0)
        tsne(z.numpy(), 0)

    t = {name: median_time(fn) for name, fn in (("predict", predict), ("metrics", metrics), ("tsne", embed_tsne))}
    total = sum(t.values())
    print(f"predictions for 18187 test images: {t['predict']:.2f} s")
    print(f"metrics + 1000 bootstrap resamples + the paper protocol: {t['metrics']:.2f} s")
    print(f"encoder + projection and t-SNE of h and of z, 4000 images: {t['tsne']:.2f} s")
    print(f"evaluation total: {total:.1f} s (target < 60 s on 2 cores)")

    probes(t)

    exe = str(Path(sys.executable).with_name("snakemake"))

    def dry(env=None):
        subprocess.run(
            [exe, "-n", "--quiet", "rules", "--cores", "8", "--resources", "gpu=1"],
            cwd=REPO,
            check=True,
            capture_output=True,
            env=env,
        )

    t["dry_run"] = median_time(dry)
    print(f"snakemake dry run of the full default grid: {t['dry_run']:.2f} s (target < 5 s)")
    if shutil.which("scontrol"):
        # The SLURM executor plugin runs `scontrol show config` when Snakemake imports it, with a
        # 10 s timeout: where SLURM's client is installed but no controller answers, every
        # Snakemake command waits that long. Time the dry run once more with a stub that fails at once.
        with tempfile.TemporaryDirectory() as stubs:
            stub = Path(stubs) / "scontrol"
            stub.write_text("#!/bin/sh\nexit 1\n")
            stub.chmod(0o755)
            env = {**os.environ, "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}"}
            t["dry_run_no_scontrol"] = median_time(lambda: dry(env))
        print(
            f"  the same with `scontrol` answering at once (SLURM plugin's import-time query out of the way): "
            f"{t['dry_run_no_scontrol']:.2f} s"
        )
    return t
