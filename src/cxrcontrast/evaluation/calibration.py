"""Calibration of the top-class confidence (Guo et al. 2017, "On Calibration of Modern Neural Networks").

Expected calibration error (ECE) over ``BINS`` equal-width bins of the top-class confidence, bin m holding
the confidences in ((m-1)/M, m/M] (the first bin also holds 0): the weighted share of images in each bin
times |accuracy - mean confidence| of the bin, summed. Weighted like ``metrics.weighted_metrics``: a row of
multiplicities per bootstrap resample or balanced resample, the row of ones for the test split as it is.

The plug-in ECE is biased upwards: |accuracy - confidence| of a bin of few images is large by chance alone, so it
is above zero for a perfectly calibrated model and rises under bootstrap resampling (fewer distinct images per
bin). ``debiased_ece`` is the debiased estimator of Kumar, Liang & Ma 2019 ("Verified Uncertainty Calibration",
NeurIPS; their ``calibration`` package's ``normal_debiased_ce``): 2 * plug-in - E[plug-in of labels drawn
around the estimate], each bin's accuracy drawn from N(its accuracy, acc (1 - acc) / count). That expectation
is computed exactly (the mean of a folded normal) instead of by their Monte Carlo resampling: the same
estimator without its sampling noise, deterministic, and cheap on every bootstrap row.

Temperature scaling divides the logits by one scalar T fitted on the validation split by minimizing the
negative log-likelihood; the ranking of classes (so accuracy and AUC) does not change, only the confidence.
The classifier's probabilities are a softmax, so their logarithms are its logits up to a per-image constant
that the softmax ignores. A fit that stops at an end of the searched range (the NLL was still falling: a
sub-chance model is flattened without limit, a nearly constant one sharpened) or that does not lower the
validation NLL is a failed fit: such a model has no calibrated numbers (``fit_failure``).
"""

from __future__ import annotations

import numpy as np

BINS = 15
# before and after temperature scaling; plug-in (Guo et al.) and debiased (Kumar et al.)
CALIBRATION = ("ece", "ece_scaled", "ece_debiased", "ece_scaled_debiased")
TINY = 1e-12  # floor of a probability before its logarithm (a float32 softmax can underflow to 0)
T_RANGE = (0.05, 20.0)  # the fitted temperature is searched in this interval
AT_BOUND = 1e-3  # relative: a fitted T this close to an end of T_RANGE stopped there (Brent's xatol is 1e-6 in log T)


def confidence_bins(probs: np.ndarray) -> np.ndarray:
    """Bin index of each image's top-class confidence, bins ((m-1)/M, m/M], 0 in the first."""
    return np.clip(np.ceil(probs.max(1) * BINS).astype(int) - 1, 0, BINS - 1)


def weighted_ece(probs: np.ndarray, labels: np.ndarray, w: np.ndarray) -> np.ndarray:
    """ECE for each weight row of ``w`` (B, n)."""
    gap = (probs.argmax(1) == np.asarray(labels)).astype(np.float64) - probs.max(1)
    one_hot = np.eye(BINS)[confidence_bins(probs)]  # (n, bins)
    per_bin = (w * gap) @ one_hot  # (B, bins): weighted sum of (correct - confidence) in each bin
    return np.abs(per_bin).sum(1) / w.sum(1)


def binned_gaps(probs: np.ndarray, labels: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per weight row and bin (B, bins): the weighted count, accuracy and mean confidence (0 in empty bins)."""
    correct = (probs.argmax(1) == np.asarray(labels)).astype(np.float64)
    one_hot = np.eye(BINS)[confidence_bins(probs)]  # (n, bins)
    count = w @ one_hot
    safe = np.where(count > 0, count, 1.0)
    return count, (w * correct) @ one_hot / safe, (w * probs.max(1)) @ one_hot / safe


def folded_normal_mean(mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """E|X| for X ~ N(mu, sd^2): sd sqrt(2/pi) exp(-mu^2 / 2 sd^2) + mu (1 - 2 Phi(-mu / sd)); |mu| where sd = 0."""
    from scipy.special import ndtr

    sd_safe = np.where(sd > 0, sd, 1.0)
    spread = sd_safe * np.sqrt(2 / np.pi) * np.exp(-(mu**2) / (2 * sd_safe**2)) + mu * (1 - 2 * ndtr(-mu / sd_safe))
    return np.where(sd > 0, spread, np.abs(mu))


def debiased_ece(probs: np.ndarray, labels: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Kumar et al. 2019's debiased ECE for each weight row of ``w`` (B, n): 2 * plug-in minus the expected
    plug-in when each bin's accuracy is drawn from N(acc, acc (1 - acc) / count), in closed form. A bin whose
    accuracy is 0 or 1 (one image, say) has no spread and no correction. It can fall below 0 (an estimate of 0
    with noise), which is reported as it is."""
    count, acc, conf = binned_gaps(probs, labels, w)
    share = count / w.sum(1, keepdims=True)
    sd = np.sqrt(acc * (1 - acc) / np.where(count > 0, count, 1.0))
    plugin = (share * np.abs(acc - conf)).sum(1)
    return 2 * plugin - (share * folded_normal_mean(acc - conf, sd)).sum(1)


def reliability(probs: np.ndarray, labels: np.ndarray, w: np.ndarray | None = None) -> dict:
    """Per bin: the weighted number of images, their mean confidence and their accuracy (None where empty)."""
    w = np.ones(len(labels)) if w is None else np.asarray(w, dtype=np.float64)
    index = confidence_bins(probs)
    correct = (probs.argmax(1) == np.asarray(labels)).astype(np.float64)
    count = np.bincount(index, weights=w, minlength=BINS)
    conf = np.bincount(index, weights=w * probs.max(1), minlength=BINS)
    hits = np.bincount(index, weights=w * correct, minlength=BINS)

    def share(x):
        return [None if c == 0 else float(v / c) for v, c in zip(x, count)]

    return {"count": [float(c) for c in count], "confidence": share(conf), "accuracy": share(hits)}


def scaled(probs: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(log(probs) / T), in float64."""
    z = np.log(np.maximum(probs.astype(np.float64), TINY)) / temperature
    z -= z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def nll(probs: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood of the labels after scaling by ``temperature``."""
    z = np.log(np.maximum(probs.astype(np.float64), TINY)) / temperature
    zmax = z.max(1, keepdims=True)
    log_norm = zmax[:, 0] + np.log(np.exp(z - zmax).sum(1))
    return float(np.mean(log_norm - z[np.arange(len(labels)), labels]))


def fit_temperature(probs: np.ndarray, labels: np.ndarray) -> float:
    """The T in ``T_RANGE`` minimizing the validation NLL (bounded Brent search over log T)."""
    from scipy.optimize import minimize_scalar

    labels = np.asarray(labels)
    lo, hi = np.log(T_RANGE)
    found = minimize_scalar(
        lambda t: nll(probs, labels, float(np.exp(t))), bounds=(lo, hi), method="bounded", options={"xatol": 1e-6}
    )
    return float(np.exp(found.x))


def fit_failure(probs: np.ndarray, labels: np.ndarray, temperature: float) -> str | None:
    """Why ``temperature`` (fitted on these validation ``probs``) is no calibration, None when it is one: it lies
    at an end of ``T_RANGE`` (the optimum lies beyond: the number is the search's bound, not a fit), or scaling
    by it does not lower the validation NLL below that of T = 1."""
    lo, hi = T_RANGE
    if temperature <= lo * (1 + AT_BOUND):
        return f"failed (at the lower bound of the search, T = {lo:g})"
    if temperature >= hi * (1 - AT_BOUND):
        return f"failed (at the upper bound of the search, T = {hi:g})"
    labels = np.asarray(labels)
    if nll(probs, labels, temperature) > nll(probs, labels, 1.0):
        return f"failed (scaling by T = {temperature:.3g} worsens the validation NLL)"
    return None


def calibration_of(probs: np.ndarray, labels: np.ndarray, temperature: float | None, paper_w: np.ndarray):
    """The ECE (plug-in and debiased) before and after scaling as metrics of a weight row ({name: f(w) -> (B,)},
    for the bootstrap and the paper protocol), and the reliability bins of both on the natural split and the
    balanced resample ``paper_w``. ``temperature`` None (a failed fit): the ECEs as trained only, no curve after
    scaling."""
    ece = {"ece": lambda w: weighted_ece(probs, labels, w), "ece_debiased": lambda w: debiased_ece(probs, labels, w)}
    after = None if temperature is None else scaled(probs, temperature)
    if after is not None:
        ece["ece_scaled"] = lambda w: weighted_ece(after, labels, w)
        ece["ece_scaled_debiased"] = lambda w: debiased_ece(after, labels, w)
    curves = {
        protocol: {
            "before": reliability(probs, labels, w),
            "after": None if after is None else reliability(after, labels, w),
        }
        for protocol, w in (("natural", None), ("paper_protocol", paper_w))
    }
    return ece, curves
