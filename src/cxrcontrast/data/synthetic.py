"""A synthetic ChestMNIST-format dataset for offline runs and tests.

Chest-like background (body, two darker lung fields, mediastinum, faint ribs)
with per-image pose, exposure and noise. Each of the 14 findings adds its own
structure (blobs, haze, texture at class-specific places) whose strength and
position vary per image, so the classes are learnable but overlap. About 55%
of rows are Normal and some rows carry two findings, which pruning must drop.
Everything is drawn from one seeded generator: same seed, same bytes.
"""

from __future__ import annotations

import numpy as np

N_FINDINGS = 14
# Relative frequencies of single findings, flattened (square root) from the real
# ChestMNIST single-label counts so rare classes still appear in small demos.
FINDING_WEIGHTS = np.sqrt([4.2, 1.1, 3.9, 9.5, 2.1, 2.7, 0.3, 2.2, 1.3, 0.6, 0.9, 0.7, 1.1, 0.1])
# (cx, cy, sx, sy, amplitude) per finding, normalized coordinates; y grows downwards.
FINDING_BLOBS = [
    [(-0.40, 0.35, 0.22, 0.08, 0.30)],  # atelectasis: band, lower right lung (patient's)
    [(0.05, 0.30, 0.38, 0.30, 0.25)],  # cardiomegaly: enlarged heart shadow
    [(-0.45, 0.62, 0.25, 0.10, 0.30), (0.45, 0.62, 0.25, 0.10, 0.30)],  # effusion: both bases
    [(0.42, -0.05, 0.22, 0.35, 0.18)],  # infiltration: patchy, textured below
    [(0.38, -0.35, 0.14, 0.14, 0.35)],  # mass: one large round opacity
    [(-0.30, -0.25, 0.06, 0.06, 0.40)],  # nodule: small dot
    [(0.40, 0.40, 0.18, 0.14, 0.28)],  # pneumonia: lower left lobe
    [(-0.42, -0.45, 0.22, 0.16, -0.30)],  # pneumothorax: dark apex
    [(-0.40, 0.05, 0.16, 0.18, 0.32)],  # consolidation: dense mid zone
    [(-0.25, 0.05, 0.14, 0.28, 0.18), (0.25, 0.05, 0.14, 0.28, 0.18)],  # edema: butterfly haze
    [(-0.40, 0.00, 0.30, 0.55, -0.18), (0.40, 0.00, 0.30, 0.55, -0.18)],  # emphysema: dark lungs
    [(-0.38, -0.35, 0.25, 0.18, 0.14), (0.38, -0.35, 0.25, 0.18, 0.14)],  # fibrosis: textured apices
    [(-0.72, 0.00, 0.06, 0.45, 0.30), (0.72, 0.00, 0.06, 0.45, 0.30)],  # pleural thickening: rims
    [(0.00, 0.75, 0.16, 0.10, 0.40)],  # hernia: below the heart
]
TEXTURED = {3, 11}  # infiltration and fibrosis are reticular, not smooth


def _blob(u, v, cx, cy, sx, sy):
    return np.exp(-0.5 * (((u - cx) / sx) ** 2 + ((v - cy) / sy) ** 2))


def _draw_labels(n: int, rng: np.random.Generator, normal: float, multi: float, findings: int) -> np.ndarray:
    labels = np.zeros((n, findings), dtype=np.uint8)
    kind = rng.random(n)
    p = FINDING_WEIGHTS[:findings] / FINDING_WEIGHTS[:findings].sum()
    single = np.flatnonzero((kind >= normal) & (kind < 1 - multi))
    # every finding at least twice (triplets need positives), the rest by frequency
    forced = np.repeat(np.arange(findings), 2)[: len(single)]
    chosen = np.concatenate([forced, rng.choice(findings, len(single) - len(forced), p=p)])
    labels[single, rng.permutation(chosen)] = 1
    multi_rows = np.flatnonzero(kind >= 1 - multi) if findings > 1 else []
    for row in multi_rows:
        labels[row, rng.choice(findings, 2, replace=False, p=p)] = 1
    return labels


def _render(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    n = len(labels)
    axis = (np.arange(size) + 0.5) / size * 2 - 1
    v0, u0 = np.meshgrid(axis, axis, indexing="ij")
    # per-image pose: shift and scale of the whole chest
    shift = rng.normal(0, 0.05, (n, 2, 1, 1))
    zoom = rng.uniform(0.92, 1.08, (n, 1, 1))
    u = (u0[None] - shift[:, 0]) / zoom
    v = (v0[None] - shift[:, 1]) / zoom
    body = 0.12 + 0.6 * (_blob(u, v, 0, 0.2, 0.78, 1.0) > 0.45)
    lungs = _blob(u, v, -0.38, 0.0, 0.26, 0.5) + _blob(u, v, 0.38, 0.0, 0.26, 0.5)
    ribs = 0.04 * np.sin(v * 18 + rng.uniform(0, np.pi, (n, 1, 1))) * lungs
    img = body - 0.42 * np.clip(lungs, 0, 1) + ribs + 0.12 * _blob(u, v, 0.05, 0.35, 0.2, 0.25)
    texture = np.sin(u * 23) * np.sin(v * 19)
    for k in range(labels.shape[1]):
        rows = np.flatnonzero(labels[:, k])
        if rows.size == 0:
            continue
        strength = rng.uniform(0.2, 1.0, (rows.size, 1, 1))  # some findings are barely visible
        jitter = rng.normal(0, 0.12, (rows.size, 2, 1, 1))
        for cx, cy, sx, sy, amp in FINDING_BLOBS[k]:
            if k == 5:  # nodules wander around the lung fields
                cx, cy = cx + rng.uniform(-0.2, 0.2), cy + rng.uniform(-0.2, 0.3)
            g = _blob(u[rows], v[rows], cx + jitter[:, 0], cy + jitter[:, 1], sx, sy)
            if k in TEXTURED:
                g = g * (0.6 + 0.8 * np.clip(texture[rows], 0, 1))
            img[rows] += amp * strength * g
    gain = rng.uniform(0.85, 1.15, (n, 1, 1))
    offset = rng.normal(0, 0.04, (n, 1, 1))
    img = img * gain + offset + rng.normal(0, 0.08, img.shape)
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def synthesize(
    n_train: int,
    n_val: int,
    n_test: int,
    size: int = 28,  # MedMNIST's own size
    seed: int = 0,
    normal_fraction: float = 0.55,
    multi_fraction: float = 0.10,
    findings: int = N_FINDINGS,
) -> dict[str, np.ndarray]:
    """Arrays in the MedMNIST layout: ``{split}_images`` (N,size,size) uint8, ``{split}_labels`` (N,findings)
    uint8; the first ``findings`` of ChestMNIST's 14."""
    if not 1 <= findings <= N_FINDINGS:
        raise ValueError(f"demo: findings={findings}; expected 1 to {N_FINDINGS}")
    if not (0 <= normal_fraction and 0 <= multi_fraction and normal_fraction + multi_fraction < 1):
        raise ValueError("demo: normal_fraction + multi_fraction must be below 1")
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (("train", n_train), ("val", n_val), ("test", n_test)):
        if n < 2 * N_FINDINGS:
            raise ValueError(f"demo: n_{split}={n} is too small; expected at least {2 * N_FINDINGS}")
        labels = _draw_labels(n, rng, normal_fraction, multi_fraction, findings)
        out[f"{split}_images"] = _render(labels, size, rng)
        out[f"{split}_labels"] = labels
    return out
