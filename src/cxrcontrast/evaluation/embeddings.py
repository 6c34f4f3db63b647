"""Embedding quality as numbers (precision@1, MAP@R, silhouette) and a t-SNE map."""

from __future__ import annotations

import numpy as np

QUALITY = ("precision_at_1", "map_at_r", "silhouette")


def quality(embeddings: np.ndarray, labels: np.ndarray, max_silhouette: int = 4000, seed: int = 0) -> dict:
    """Leave-one-out retrieval quality (pytorch-metric-learning's AccuracyCalculator with a
    brute-force kNN, no faiss needed) and the silhouette of the classes."""
    import torch
    from pytorch_metric_learning.distances import LpDistance
    from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
    from pytorch_metric_learning.utils.inference import CustomKNN
    from sklearn.metrics import silhouette_score

    calc = AccuracyCalculator(
        include=("precision_at_1", "mean_average_precision_at_r"),
        knn_func=CustomKNN(LpDistance(normalize_embeddings=False), batch_size=512),
        device=torch.device("cpu"),
    )
    x = torch.as_tensor(embeddings, dtype=torch.float32)
    acc = calc.get_accuracy(x, torch.as_tensor(labels), ref_includes_query=True)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(labels), min(len(labels), max_silhouette), replace=False)
    sil = silhouette_score(embeddings[pick], labels[pick]) if len(np.unique(labels[pick])) > 1 else float("nan")
    return {
        "precision_at_1": float(acc["precision_at_1"]),
        "map_at_r": float(acc["mean_average_precision_at_r"]),
        "silhouette": float(sil),
    }


def collapsed(embeddings: np.ndarray, tol: float = 1e-6) -> bool:
    """All points (nearly) the same: t-SNE is undefined (and sklearn's can crash on it)."""
    return float(np.ptp(embeddings, axis=0).max()) <= tol * max(1.0, float(np.abs(embeddings).max()))


def tsne(embeddings: np.ndarray, seed: int = 0, perplexity: float = 30.0) -> np.ndarray:
    """2-D t-SNE map; a collapsed embedding maps every point to the origin."""
    from sklearn.manifold import TSNE

    if collapsed(embeddings):
        return np.zeros((len(embeddings), 2))
    perplexity = min(perplexity, max(2.0, (len(embeddings) - 1) / 3))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(embeddings)


def subsample(n: int, points: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, min(n, points), replace=False))
