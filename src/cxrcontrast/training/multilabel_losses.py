"""Contrastive losses on multi-hot labels (N, findings): a row of zeros is "no finding".

Both take the embeddings of every view of a batch (two views per image, rows in the order of ``labels``)
and compare each view with every other view: s_ik = <z_i, z_k> / temperature on unit-length z, and
log p_ik = s_ik - log sum_{k' != i} exp(s_ik'), the view itself left out of the denominator.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from ..errors import InputError


def log_softmax_without_self(embeddings: torch.Tensor, temperature: float) -> torch.Tensor:
    """(M, M) log p_ik over the other views k != i; the diagonal is -inf (never a positive or a negative)."""
    z = F.normalize(embeddings, dim=1)
    eye = torch.eye(len(z), dtype=torch.bool, device=z.device)
    s = (z @ z.T / temperature).masked_fill(eye, float("-inf"))
    return torch.log_softmax(s, dim=1)


def multi_hot_of(labels: torch.Tensor, embeddings: torch.Tensor) -> torch.Tensor:
    """``labels`` as a (rows, findings) matrix of the embeddings' dtype, or one line saying what they are."""
    rows = len(embeddings)
    if labels is None or labels.ndim != 2 or len(labels) != rows:
        shape = None if labels is None else tuple(labels.shape)
        raise InputError(f"labels of shape {shape}; the multi-label losses need multi-hot ({rows}, findings) labels")
    return labels.to(embeddings.dtype)


def weighted_mean_log_prob(log_p: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """-sum_k w_ak log p_ak / sum_k w_ak, averaged over the anchors a with sum_k w_ak > 0. An anchor without
    a positive adds nothing (no 0/0); a batch without any positive gives 0, still attached to the graph."""
    weights = weights.to(log_p.dtype)
    total = weights.sum(1)
    has = total > 0
    # w * log p with w = 0 on the -inf diagonal must be 0, not NaN
    terms = torch.where(weights > 0, weights * log_p, torch.zeros_like(log_p)).sum(1)
    if not has.any():
        return log_p.masked_fill(torch.isinf(log_p), 0).sum() * 0
    return -(terms[has] / total[has]).mean()


class SupConJaccard:
    """SupCon whose positives are weighted by the Jaccard similarity of the two label sets:

        L = mean over anchors i with W_i > 0 of  -(1 / W_i) sum_{j != i} w_ij log p_ij,
        w_ij = |y_i AND y_j| / |y_i OR y_j|,  W_i = sum_{j != i} w_ij,

    the ``iou_weighted`` match type of marshuang80/ml-scl (eval/loss.py, lines 77-85 build the weights,
    140-148 the loss), written anew and vectorised. Differences, chosen: two "no finding" images (both rows
    zero) are positives of each other with weight 1, where ml-scl gives them 0 (its union is empty): on
    ChestMNIST about half the images have no finding, and weight 0 would leave each of them without a single
    positive, not even its own other view, so they would only ever be pushed apart. An anchor with no
    positive adds nothing (ml-scl divides 0 by 0) and the mean is over the anchors that have one, as
    pytorch-metric-learning's SupConLoss averages. No temperature / base_temperature factor (1 at ml-scl's
    defaults of 0.07 / 0.07)."""

    def __init__(self, temperature: float):
        self.temperature = temperature

    def __call__(self, embeddings: torch.Tensor, labels: torch.Tensor, triplets=None) -> torch.Tensor:
        y = multi_hot_of(labels, embeddings)
        both = y @ y.T
        either = y.sum(1, keepdim=True) + y.sum(1) - both
        weights = torch.where(either > 0, both / either.clamp(min=1), torch.ones_like(both))
        weights.fill_diagonal_(0)
        return weighted_mean_log_prob(log_softmax_without_self(embeddings, self.temperature), weights)

    def active(self, embeddings, triplets) -> float:
        return float("nan")


class MulSupCon:
    """MulSupCon (Zhang & Wu, AAAI 2024): each finding c an anchor view i holds is an anchor of its own,
    whose positives are the other views holding c:

        L = mean over (i, c) with y_ic = 1 and |P_ic| > 0 of  -(1 / |P_ic|) sum_{p in P_ic} log p_ip,
        P_ic = {k != i : y_kc = 1},

    as williamzhangsjtu/MulSupCon builds it (codes/utils.py, lines 64-89: one score row per (image, label),
    mask = the samples holding that label, each row weighted 1 / number of rows with ``with_weight: False``,
    its yeast config's choice; codes/losses.py, lines 10-15: WeightedSupCon), written anew and vectorised.
    Differences: the contrast set is the other views of the batch (two views per image, as SupCon), not a
    MoCo key encoder and queue; the view itself is left out of the denominator. As in MulSupCon, a "no
    finding" image (row of zeros) is never an anchor, only a negative of every anchor."""

    def __init__(self, temperature: float):
        self.temperature = temperature

    def __call__(self, embeddings: torch.Tensor, labels: torch.Tensor, triplets=None) -> torch.Tensor:
        y = multi_hot_of(labels, embeddings)
        log_p = log_softmax_without_self(embeddings, self.temperature)
        anchor, finding = torch.nonzero(y, as_tuple=True)  # one row per (view, finding it holds)
        positives = y[:, finding].T.clone()  # (rows, M): the views holding that finding
        positives[torch.arange(len(anchor)), anchor] = 0  # never the anchor view itself
        return weighted_mean_log_prob(log_p[anchor], positives)

    def active(self, embeddings, triplets) -> float:
        return float("nan")
