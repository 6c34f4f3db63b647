"""Probes of frozen features: k-nearest-neighbour classification and a linear probe.

kNN: k=20 neighbours by cosine similarity in the training features, each voting for its class
with weight exp(similarity / T), T=0.07 (the self-supervised literature's protocol: Wu et al.
2018, DINO); the normalized weighted votes are the class probabilities. Plain one-vote-each
majorities tie often and, on ChestMNIST, are mostly Normal: they told encoder states apart poorly.
Linear: multinomial logistic regression on standardized features (mean and scale of the
training features), its regularization C chosen on the val split by balanced accuracy.
Both are scored on the test split with the metrics of ``evaluation.metrics``.

The cosine holds at any scale of the features (``directions``). Collapsed features (``collapse``), whose every
image points the same way to within float32's resolution (or that are zero or not finite), tell no image from
another: they are marked collapsed, with the reason, and not scored (a score would be ties broken by index).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator

import numpy as np
import torch
from torch.nn import functional as F

from .metrics import classification_metrics

log = logging.getLogger(__name__)


FLOAT32_RESOLUTION = float(np.finfo(np.float32).eps)  # 2^-23: one step of a float32 at magnitude 1


def directions(features, chunk: int = 8192) -> Iterator[torch.Tensor]:
    """The rows of ``features`` scaled to unit length in float64, ``chunk`` rows at a time (a zero row stays zero).

    Each row is first divided by its largest |value|, so that its norm is at least 1 whatever its scale:
    ``F.normalize`` floors the norm at 1e-12, which turned features of norm 1e-16 (an untrained EfficientNet-B0's)
    into vectors of norm 1e-4, whose similarities, all near 0, ranked neighbours by dot product and voted
    with equal weights."""
    for part in torch.as_tensor(np.asarray(features)).split(chunk):
        x = part.to(torch.float64)
        peak = x.abs().amax(1, keepdim=True)
        x = x / torch.where(peak > 0, peak, torch.ones_like(peak))
        yield x / x.norm(dim=1, keepdim=True).clamp_min(1.0)  # a non-zero row's norm is already >= 1 here


def collapse(features) -> str | None:
    """Why these features cannot be probed, or None when they can.

    Scale-free: features are collapsed when they are not finite, all zero, or when every row's direction
    (``directions``) lies within float32's resolution at magnitude 1 (2^-23) of their mean direction in every
    component: the images differ by no more than the rounding of the float32 features."""
    if not all(bool(part.isfinite().all()) for part in torch.as_tensor(np.asarray(features)).split(8192)):
        return "features not finite (NaN or infinite values)"
    if not any(bool(part.any()) for part in directions(features)):
        return "every feature is zero"
    mean = sum(part.sum(0) for part in directions(features)) / len(features)
    spread = max(float((part - mean).abs().max()) for part in directions(features))
    if spread <= FLOAT32_RESOLUTION:
        return (
            f"every image's feature direction lies within float32 resolution of their mean "
            f"(largest component deviation {spread:.1e} <= 2^-23)"
        )
    return None


def cosine_neighbours(train: np.ndarray, query: np.ndarray, k: int, temperature: float, chunk: int = 2048):
    """Per chunk of queries: the indices of the ``k`` nearest training features (cosine) and their weights
    exp(similarity / T)."""
    # unit rows, computed in float64, multiplied in float32: half the memory and time of the similarities
    ref = torch.cat([part.float() for part in directions(train)])
    for part in directions(query, chunk):
        top = (part.float() @ ref.T).topk(min(k, len(ref)), dim=1)
        yield top.indices, (top.values / temperature).exp()  # at most e^(1/T): no overflow in float32 for T >= 0.012


def knn_probs(
    train: np.ndarray,
    train_labels: np.ndarray,
    query: np.ndarray,
    n_classes: int,
    k: int,
    temperature: float,
    chunk: int = 2048,
) -> np.ndarray:
    """Weighted class votes of the ``k`` nearest training features (cosine) of each query, normalized."""
    votes = F.one_hot(torch.as_tensor(train_labels, dtype=torch.long), n_classes).float()
    out = []
    for indices, weights in cosine_neighbours(train, query, k, temperature, chunk):
        scores = (votes[indices] * weights.unsqueeze(2)).sum(1)
        out.append(scores / scores.sum(1, keepdim=True))
    return torch.cat(out).numpy()


def euclidean_neighbours(train: np.ndarray, query: np.ndarray, k: int, chunk: int = 2048):
    """Per chunk of queries: the indices of the ``k`` nearest training features by Euclidean distance (raw)."""
    ref = torch.as_tensor(train, dtype=torch.float64)
    for part in torch.as_tensor(query, dtype=torch.float64).split(chunk):
        yield torch.cdist(part, ref).topk(min(k, len(ref)), dim=1, largest=False).indices


def majority_knn(
    train: np.ndarray, train_labels: np.ndarray, query: np.ndarray, n_classes: int, k: int, chunk: int = 2048
) -> np.ndarray:
    """The MedMNIST+ kNN protocol: the majority class of the ``k`` nearest training features by Euclidean
    distance (raw, not normalized), one vote each, a tie to the smallest class index (``scipy.stats.mode``,
    as their ``knn_majority_vote``)."""
    votes = F.one_hot(torch.as_tensor(train_labels, dtype=torch.long), n_classes)
    nearest = euclidean_neighbours(train, query, k, chunk)
    return torch.cat([votes[i].sum(1).argmax(1) for i in nearest]).numpy()  # argmax: the first of equal counts


def majority_knn_multilabel(
    train: np.ndarray, train_labels: np.ndarray, query: np.ndarray, k: int, chunk: int = 2048
) -> np.ndarray:
    """MedMNIST+'s kNN on a multi-label task: of the ``k`` nearest training features by Euclidean distance (raw),
    each label is on where more than half of them hold it (their ``knn_majority_vote``: mean > 0.5). (Q, L) 0/1."""
    held = torch.as_tensor(train_labels, dtype=torch.float64)
    nearest = euclidean_neighbours(train, query, k, chunk)
    return torch.cat([(held[i].mean(1) > 0.5).to(torch.int64) for i in nearest]).numpy()


def linear_probs(
    train: np.ndarray,
    train_labels: np.ndarray,
    val: np.ndarray,
    val_labels: np.ndarray,
    query: np.ndarray,
    n_classes: int,
    cs=(0.01, 0.1, 1.0),
    max_iter: int = 100,
    select_rows: int = 8192,
    refit_iter: int = 50,
    seed: int = 0,
):
    """(class probabilities of ``query``, chosen C, its val balanced accuracy).

    C is chosen on the val split with fits on a seeded subsample of at most ``select_rows`` training
    rows (from strong to weak regularization, each fit starting from the last); the chosen C is then
    fitted on every training row, starting from its subsample solution. Each fit runs at most
    ``max_iter`` L-BFGS iterations (scikit-learn's default): at full size a fit to convergence takes
    minutes per C on 2 cores (BENCHMARKS.md)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train)
    x, v, q = (scaler.transform(a).astype(np.float32) for a in (train, val, query))
    rows = np.arange(len(x))
    if len(x) > select_rows:
        rows = np.sort(np.random.default_rng(seed).choice(len(x), select_rows, replace=False))
    clf = LogisticRegression(max_iter=max_iter, warm_start=True)
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for c in sorted(cs):
            clf.set_params(C=c).fit(x[rows], train_labels[rows])
            score = classification_metrics(_full(clf.predict_proba(v), clf.classes_, n_classes), val_labels)
            log.info("linear probe C=%g: val balanced accuracy %.4f", c, score["balanced_accuracy"])
            if best is None or score["balanced_accuracy"] > best[1]:
                best = (c, score["balanced_accuracy"], clf.coef_.copy(), clf.intercept_.copy())
        c, val_score, coef, intercept = best
        clf.set_params(C=c, max_iter=refit_iter)
        clf.coef_, clf.intercept_ = coef, intercept  # warm start from the chosen subsample solution
        if len(rows) < len(x):
            clf.fit(x, train_labels)
    return _full(clf.predict_proba(q), clf.classes_, n_classes), c, val_score


def _full(probs: np.ndarray, classes: np.ndarray, n_classes: int) -> np.ndarray:
    """Probabilities over every class (a class absent from the training features gets 0)."""
    out = np.zeros((len(probs), n_classes), dtype=np.float64)
    out[:, classes] = probs
    return out


SCORES = ("balanced_accuracy", "auc_macro", "accuracy")  # what probes.json gives of each probe


def probe_scores(probs: np.ndarray, labels: np.ndarray) -> dict:
    m = classification_metrics(probs, labels)
    return {k: m[k] for k in SCORES}
