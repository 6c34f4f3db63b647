"""Calibration: ECE against a brute-force loop and closed forms, the reliability bins, the fitted temperature."""

import numpy as np
import pytest

from cxrcontrast.evaluation.bootstrap import bootstrap
from cxrcontrast.evaluation.calibration import (
    BINS,
    fit_temperature,
    nll,
    reliability,
    scaled,
    weighted_ece,
)
from cxrcontrast.evaluation.paper_protocol import paper_protocol, paper_weights


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def random_predictions(n=500, k=6, seed=0, skill=1.5):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    z = rng.normal(size=(n, k)) * 2
    z[np.arange(n), labels] += skill
    return softmax(z), labels


def brute_force_ece(probs, labels, bins=BINS):
    """Guo et al.: bins ((m-1)/M, m/M], the first closed at 0; sum over bins of |B|/n |acc(B) - conf(B)|."""
    conf, pred = probs.max(1), probs.argmax(1)
    total = 0.0
    for m in range(1, bins + 1):
        lo, hi = (m - 1) / bins, m / bins
        inside = [i for i in range(len(conf)) if (lo < conf[i] <= hi) or (m == 1 and conf[i] == 0)]
        if inside:
            acc = np.mean([pred[i] == labels[i] for i in inside])
            total += len(inside) / len(conf) * abs(acc - np.mean(conf[inside]))
    return total


def with_confidence(conf, correct, k=4):
    """Probabilities whose top class has confidence ``conf`` and is class 0; the label is 0 where ``correct``."""
    rest = (1 - conf) / (k - 1)
    probs = np.tile(np.append(conf, [rest] * (k - 1)), (len(correct), 1))
    return probs, np.where(correct, 0, 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ece_matches_brute_force(seed):
    probs, labels = random_predictions(seed=seed)
    assert weighted_ece(probs, labels, np.ones((1, len(labels))))[0] == pytest.approx(brute_force_ece(probs, labels))


def test_ece_closed_forms():
    # every image at confidence 0.6, 70% right: one bin, ECE = |0.7 - 0.6|
    probs, labels = with_confidence(0.6, np.arange(100) < 70)
    assert weighted_ece(probs, labels, np.ones((1, 100)))[0] == pytest.approx(0.1)
    # half at 0.9 all right (gap 0.1), half at 0.5 half right (gap 0): ECE = 0.5 * 0.1
    a, la = with_confidence(0.9, np.ones(50, bool))
    b, lb = with_confidence(0.5, np.arange(50) < 25)
    assert weighted_ece(np.vstack([a, b]), np.r_[la, lb], np.ones((1, 100)))[0] == pytest.approx(0.05)
    # perfectly calibrated at 0.8, and a confidence on a bin edge (1/15 * 12 = 0.8) counts once
    probs, labels = with_confidence(0.8, np.arange(100) < 80)
    assert weighted_ece(probs, labels, np.ones((1, 100)))[0] == pytest.approx(0.0, abs=1e-12)


def test_weights_are_multiplicities():
    probs, labels = random_predictions(n=200, seed=3)
    rng = np.random.default_rng(0)
    w = rng.integers(0, 4, (5, 200)).astype(float)
    got = weighted_ece(probs, labels, w)
    for row, value in zip(w, got):
        idx = np.repeat(np.arange(200), row.astype(int))
        assert value == pytest.approx(brute_force_ece(probs[idx], labels[idx]))


def test_reliability_bins_add_up_to_the_ece():
    probs, labels = random_predictions(seed=4)
    r = reliability(probs, labels)
    assert sum(r["count"]) == len(labels)
    ece = sum(c / len(labels) * abs(a - f) for c, a, f in zip(r["count"], r["accuracy"], r["confidence"]) if c)
    assert ece == pytest.approx(brute_force_ece(probs, labels))
    assert all((a is None) == (c == 0) for a, c in zip(r["accuracy"], r["count"]))


def test_paper_protocol_ece_is_the_ece_of_the_balanced_resample():
    probs, labels = random_predictions(n=300, seed=5)
    ece = {"ece": lambda w: weighted_ece(probs, labels, w)}
    protocol = paper_protocol(probs, labels, seed=2, extra=ece)
    idx = np.repeat(np.arange(300), paper_weights(labels, 2)[0].astype(int))
    assert protocol["ece"] == pytest.approx(brute_force_ece(probs[idx], labels[idx]))
    assert protocol["n"] == 300


def test_bootstrap_extra_metrics_leave_the_headline_draws_unchanged():
    probs, labels = random_predictions(n=150, seed=6)
    plain = bootstrap(probs, labels, resamples=50, seed=1, chunk=20)
    both = bootstrap(
        probs, labels, resamples=50, seed=1, chunk=20, extra={"ece": lambda w: weighted_ece(probs, labels, w)}
    )
    for key, values in plain.items():
        assert values is None or np.array_equal(values, both[key])
    assert both["ece"].shape == (50,) and np.all((both["ece"] >= 0) & (both["ece"] <= 1))


def test_temperature_scaling_keeps_predictions_and_one_is_identity():
    probs, labels = random_predictions(seed=7)
    assert np.allclose(scaled(probs, 1.0), probs)
    assert np.array_equal(scaled(probs, 2.5).argmax(1), probs.argmax(1))


def test_fitted_temperature_minimizes_the_validation_nll():
    probs, labels = random_predictions(n=400, seed=8, skill=3)
    t = fit_temperature(probs, labels)
    grid = np.exp(np.linspace(np.log(0.05), np.log(20), 2001))
    best = grid[np.argmin([nll(probs, labels, g) for g in grid])]
    assert t == pytest.approx(best, rel=0.01)
    assert nll(probs, labels, t) <= nll(probs, labels, best) + 1e-9


def test_fitted_temperature_undoes_a_known_overconfidence():
    """Labels drawn from softmax(z), predictions softmax(3 z): the maximum-likelihood T is near 3, and scaling
    lowers the ECE."""
    rng = np.random.default_rng(9)
    n, k = 20000, 5
    z = rng.normal(size=(n, k))
    true = softmax(z)
    labels = (rng.random(n)[:, None] > np.cumsum(true, 1)).sum(1)
    over = softmax(3 * z)
    t = fit_temperature(over, labels)
    assert t == pytest.approx(3.0, rel=0.1)
    ones = np.ones((1, n))
    assert weighted_ece(scaled(over, t), labels, ones)[0] < weighted_ece(over, labels, ones)[0] / 2


def test_a_temperature_at_an_end_of_the_search_is_said_to_be_a_bound():
    """A model whose true class is always its least likely: the NLL keeps falling as T grows, so the fit
    stops at the range's end; that is a failed fit (no T recorded), so the summary prints only fitted values."""
    from cxrcontrast.evaluation.calibration import T_RANGE, fit_failure
    from cxrcontrast.summary.sections import temperature_text

    labels = np.zeros(300, dtype=int)
    wrong = np.tile([0.2, 0.4, 0.4], (300, 1))
    t = fit_temperature(wrong, labels)
    assert t == pytest.approx(T_RANGE[1], rel=1e-3)
    assert fit_failure(wrong, labels, t) == f"failed (at the upper bound of the search, T = {T_RANGE[1]:g})"
    assert temperature_text(1.5) == "1.50" and temperature_text(None) == "–"


def least_likely_true(n=300):
    """A sub-chance model: the true class is always its least likely; the NLL falls as T grows without limit."""
    return np.tile([0.2, 0.4, 0.4], (n, 1)), np.zeros(n, dtype=int)


def always_right_unsure(n=300):
    """A model always right but unsure: sharpening lowers the NLL without limit, so T falls to the lower end."""
    return np.tile([0.5, 0.3, 0.2], (n, 1)), np.zeros(n, dtype=int)


def test_a_fit_at_either_bound_or_worsening_the_nll_is_a_failed_fit():
    from cxrcontrast.evaluation.calibration import T_RANGE, fit_failure

    for model, end, bound in ((least_likely_true, "upper", T_RANGE[1]), (always_right_unsure, "lower", T_RANGE[0])):
        probs, labels = model()
        t = fit_temperature(probs, labels)
        assert t == pytest.approx(bound, rel=1e-3)
        assert fit_failure(probs, labels, t) == f"failed (at the {end} bound of the search, T = {bound:g})"
    probs, labels = random_predictions(n=400, seed=8, skill=3)
    t = fit_temperature(probs, labels)
    assert fit_failure(probs, labels, t) is None and nll(probs, labels, t) <= nll(probs, labels, 1.0)
    # a T that does not lower the validation NLL below T = 1 (5 is far from this model's optimum) is no calibration
    assert nll(probs, labels, 5.0) > nll(probs, labels, 1.0)
    assert fit_failure(probs, labels, 5.0) == "failed (scaling by T = 5 worsens the validation NLL)"


def test_a_failed_fit_leaves_every_calibrated_number_null_and_warns(caplog, tmp_path, monkeypatch):
    """The evaluate stage's record of a model whose validation logits force the upper bound: temperature and
    every scaled ECE (test split, interval, paper protocol, its interval and spread) null, the reason recorded,
    a warning in the log; the ECE as trained is still scored."""
    from cxrcontrast.stages.evaluate import calibration_fields, uncertainty_of

    val_probs, val_labels = least_likely_true()
    probs, labels = random_predictions(n=200, k=3, seed=1)
    with caplog.at_level("WARNING"):
        ece, fields = calibration_fields(val_probs, val_labels, probs, labels, protocol_seed=0)
    assert "temperature fit failed (at the upper bound of the search, T = 20)" in caplog.text
    assert fields["temperature"] is None and fields["ece_scaled"] is None
    assert fields["temperature_fit"] == "failed (at the upper bound of the search, T = 20)"
    assert fields["ece"] == pytest.approx(brute_force_ece(probs, labels))
    assert fields["ece_debiased"] is not None and fields["ece_scaled_debiased"] is None
    assert all(c["after"] is None for c in fields["calibration"]["reliability"].values())
    names = ["a", "b", "c"]
    u = uncertainty_of(probs, labels, names, {"bootstrap": 30, "seed": 0, "paper_protocol_seed": 0}, ece)
    protocol = u["paper_protocol"]
    assert u["ci"]["ece_scaled"] is None and u["ci"]["ece"] is not None
    assert protocol["ece_scaled"] is None and protocol["ci"]["ece_scaled"] is None
    assert protocol["resample_sd"]["ece_scaled"] is None
    assert u["ci"]["ece_scaled_debiased"] is None and protocol["ece_scaled_debiased"] is None
    shown = {**fields, **u}  # the record as evaluate writes it: the reliability diagram draws it as it is
    from cxrcontrast.figures import calibration as figure

    saved = []
    monkeypatch.setattr(figure, "save_figure", lambda fig, path, **kwargs: saved.append(fig))
    figure.reliability_diagram(shown, "a failed fit", str(tmp_path / "reliability.png"))
    panels = [ax for ax in saved[0].axes if ax.get_legend()]
    legends = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in panels]
    ece_texts = [f"as trained: ECE {fields['ece']:.3f}", f"as trained: ECE {protocol['ece']:.3f}"]
    assert [sorted(legend) for legend in legends] == [
        sorted(["perfect calibration", text, "temperature fit failed"]) for text in ece_texts
    ]
    after = [line for ax in panels for line in ax.get_lines() if line.get_label() == "temperature fit failed"]
    assert not any(np.isfinite(np.asarray(line.get_ydata(), dtype=float)).any() for line in after)  # no curve
    # a fit that succeeds records its T and scaled numbers as before
    val_probs, val_labels = random_predictions(n=400, seed=8, skill=3)
    _, ok = calibration_fields(val_probs, val_labels, probs, labels, protocol_seed=0)
    assert ok["temperature_fit"] == "ok" and ok["temperature"] == pytest.approx(fit_temperature(val_probs, val_labels))
    assert ok["ece_scaled"] == pytest.approx(brute_force_ece(scaled(probs, ok["temperature"]), labels))


def calibrated_predictions(n, rng, k=4):
    """A perfectly calibrated model: top class 0 at confidence c ~ U(1/k, 1), right with probability c."""
    conf = rng.uniform(1 / k + 0.01, 1, n)
    probs = np.column_stack([conf] + [(1 - conf) / (k - 1)] * (k - 1))
    return probs, np.where(rng.random(n) < conf, 0, 1)


def binned(probs, labels, bins=BINS):
    """(count, accuracy, mean confidence) of each non-empty bin ((m-1)/M, m/M], by a plain loop."""
    conf, right = probs.max(1), probs.argmax(1) == labels
    out = []
    for m in range(1, bins + 1):
        inside = ((m - 1) / bins < conf) & (conf <= m / bins) | ((m == 1) & (conf == 0))
        if inside.any():
            out.append((inside.sum(), right[inside].mean(), conf[inside].mean()))
    return out


def kumar_normal_debiased_ece(probs, labels, resamples, rng):
    """Kumar et al.'s ``normal_debiased_ce`` (p-lambda/verified_calibration, power 1) as written there: draw
    each bin's label mean from N(mean, mean (1 - mean) / count) ``resamples`` times; 2 * plug-in - mean of the
    resampled plug-ins. Also returns the SD of the resampled plug-ins (for the Monte Carlo tolerance)."""
    count, acc, conf = (np.array(v, dtype=float) for v in zip(*binned(probs, labels)))
    share = count / count.sum()
    plugin = share @ np.abs(acc - conf)
    draws = rng.normal(acc, np.sqrt(acc * (1 - acc) / count), size=(resamples, len(acc)))
    resampled = np.abs(draws - conf) @ share
    return 2 * plugin - resampled.mean(), resampled.std()


def test_debiased_ece_is_kumar_et_als_estimator():
    """Equal to a per-bin loop of the folded-normal mean (scipy's foldnorm) and, within the Monte Carlo error,
    to Kumar et al.'s resampling estimator; weights are multiplicities."""
    from scipy.stats import foldnorm

    from cxrcontrast.evaluation.calibration import debiased_ece

    for seed in (0, 1, 2):
        probs, labels = random_predictions(n=400, seed=seed)
        bins = binned(probs, labels)
        plugin = sum(c / 400 * abs(a - f) for c, a, f in bins)
        expected = 0.0
        for c, a, f in bins:
            sd = np.sqrt(a * (1 - a) / c)
            expected += c / 400 * (abs(a - f) if sd == 0 else foldnorm.mean(abs(a - f) / sd, scale=sd))
        ours = debiased_ece(probs, labels, np.ones((1, 400)))[0]
        assert ours == pytest.approx(2 * plugin - expected, abs=1e-12)
        resamples = 200_000
        mc, sd = kumar_normal_debiased_ece(probs, labels, resamples, np.random.default_rng(seed))
        assert abs(ours - mc) < 5 * sd / np.sqrt(resamples)  # 5 standard errors of the Monte Carlo mean
    w = np.random.default_rng(3).integers(0, 4, (4, 400)).astype(float)
    for row, value in zip(w, debiased_ece(probs, labels, w)):
        idx = np.repeat(np.arange(400), row.astype(int))
        assert value == pytest.approx(debiased_ece(probs[idx], labels[idx], np.ones((1, len(idx))))[0], abs=1e-12)


def test_debiased_ece_is_nearer_zero_than_the_plugin_on_calibrated_data():
    """Perfectly calibrated models (true ECE 0): over 200 draws of 300 images the plug-in ECE is biased up; the
    debiased estimate lies nearer 0 in expectation, by more than 4 standard errors of the mean paired difference.
    On a badly calibrated model (a gap far above the noise) the two agree."""
    from cxrcontrast.evaluation.calibration import debiased_ece

    rng = np.random.default_rng(0)
    n, draws = 300, 200
    gaps = []
    for _ in range(draws):
        probs, labels = calibrated_predictions(n, rng)
        w = np.ones((1, n))
        gaps.append(weighted_ece(probs, labels, w)[0] - abs(debiased_ece(probs, labels, w)[0]))
    gaps = np.array(gaps)
    assert gaps.mean() > 4 * gaps.std(ddof=1) / np.sqrt(draws)
    probs, labels = with_confidence(0.9, np.arange(2000) < 1200)  # accuracy 0.6 at confidence 0.9: ECE 0.3
    w = np.ones((1, 2000))
    assert debiased_ece(probs, labels, w)[0] == pytest.approx(weighted_ece(probs, labels, w)[0], abs=1e-9)
