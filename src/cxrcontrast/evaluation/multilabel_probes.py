"""Probes of frozen features on a multi-label task (ChestMNIST's official one: 14 findings, any number per image).

A single-label accuracy means nothing there: the probes score each finding by its ROC AUC on the test split, and
their mean over the findings that have both a positive and a negative there (as ``official.defined_auc``).

kNN: the same neighbours and weights as the single-label probe (``probes.knn_probs``: k nearest by cosine, each
weighted exp(similarity / T)); a finding's score is the weighted share of the neighbours holding it, what
scikit-learn's ``KNeighborsClassifier`` gives per output of a multi-output target.
Linear: one logistic regression per finding (one-vs-rest, as ``OneVsRestClassifier``) on standardized features; C
chosen on the val split by the mean AUC over the findings, with fits on a seeded subsample of at most
``select_rows`` training rows, then the chosen C refitted on every row.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import torch

from .probes import cosine_neighbours

log = logging.getLogger(__name__)


def knn_finding_scores(
    train: np.ndarray, train_labels: np.ndarray, query: np.ndarray, k: int, temperature: float, chunk: int = 2048
) -> np.ndarray:
    """(queries, findings): the weighted share of each query's ``k`` nearest training features holding a finding."""
    held = torch.as_tensor(np.asarray(train_labels), dtype=torch.float32)
    out = []
    for indices, weights in cosine_neighbours(train, query, k, temperature, chunk):
        out.append((held[indices] * weights.unsqueeze(2)).sum(1) / weights.sum(1, keepdim=True))
    return torch.cat(out).double().numpy()


def finding_aucs(labels: np.ndarray, scores: np.ndarray, names) -> dict:
    """{"auc_per_finding": {name: AUC, or None where the split holds one class of it}, "auc_mean": their mean over
    the defined ones (None if none is)}."""
    from sklearn.metrics import roc_auc_score

    per = {}
    for i, name in enumerate(names):
        truth = labels[:, i]
        per[name] = float(roc_auc_score(truth, scores[:, i])) if 0 < truth.sum() < len(truth) else None
    defined = [v for v in per.values() if v is not None]
    return {"auc_mean": float(np.mean(defined)) if defined else None, "auc_per_finding": per}


def one_vs_rest(x: np.ndarray, labels: np.ndarray, c: float, max_iter: int) -> list:
    """One fitted logistic regression per finding; None for a finding the rows hold in one state only (its score
    is then that constant: 1 if every row holds it, else 0)."""
    from sklearn.linear_model import LogisticRegression

    fits = []
    for i in range(labels.shape[1]):
        column = labels[:, i]
        one_state = column.min() == column.max()
        fits.append(None if one_state else LogisticRegression(C=c, max_iter=max_iter).fit(x, column))
    return fits


def finding_scores(fits: list, x: np.ndarray, constants: np.ndarray) -> np.ndarray:
    """(rows, findings): each fit's probability of its finding; a finding without a fit its constant."""
    columns = [fit.predict_proba(x)[:, 1] if fit else np.full(len(x), const) for fit, const in zip(fits, constants)]
    return np.stack(columns, axis=1)


def linear_finding_scores(
    train: np.ndarray,
    train_labels: np.ndarray,
    val: np.ndarray,
    val_labels: np.ndarray,
    query: np.ndarray,
    cs=(0.01, 0.1, 1.0),
    max_iter: int = 100,
    select_rows: int = 8192,
    seed: int = 0,
):
    """(finding scores of ``query``, the chosen C, its val mean AUC): one-vs-rest logistic regressions, C chosen by
    the mean AUC over the findings on the val split."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train)
    x, v, q = (scaler.transform(a) for a in (train, val, query))
    y = np.asarray(train_labels).astype(int)
    rows = np.arange(len(x))
    if len(x) > select_rows:  # fits of 14 findings per C: chosen on a subsample, as the single-label probe
        rows = np.sort(np.random.default_rng(seed).choice(len(x), select_rows, replace=False))
    names = range(y.shape[1])
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for c in sorted(cs):
            fits = one_vs_rest(x[rows], y[rows], c, max_iter)
            score = finding_aucs(val_labels, finding_scores(fits, v, y[rows].max(0)), names)["auc_mean"]
            log.info("multi-label linear probe C=%g: val mean AUC %s", c, score)
            if best is None or (score is not None and (best[1] is None or score > best[1])):
                best = (c, score, fits)
        c, val_score, fits = best
        if len(rows) < len(x):
            fits = one_vs_rest(x, y, c, max_iter)
    return finding_scores(fits, q, y.max(0)), c, val_score
