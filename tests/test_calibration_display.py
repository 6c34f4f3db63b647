"""The summary's calibration table and the reliability diagram show the debiased ECEs and a failed temperature
fit as what they are (the fields of metrics.json and summary.csv: evaluation.calibration)."""

from cxrcontrast.summary.sections import calibration_section


def experiment_row(failed: int, temperature: float | None) -> dict:
    row = {"encoder": "minivgg", "pretrain": "none", "trainset": "train", "labels": 1.0, "n_seeds": 3}
    columns = ["ece", "ece_scaled", "ece_debiased", "ece_scaled_debiased"]
    for i, k in enumerate([*columns, *(f"paper_{c}" for c in columns)]):
        row |= {f"{k}_mean": 0.01 * (i + 1), f"{k}_ci_low": None, f"{k}_ci_high": None}
    return row | {"temperature_mean": temperature, "temperature_fit_failed": failed}


def cells(line: str) -> list[str]:
    return line.strip("| ").split(" | ")


def test_the_calibration_table_names_plug_in_and_debiased_and_failed_fits():
    lines = calibration_section([experiment_row(0, 1.5), experiment_row(1, 2.0), experiment_row(3, None)])
    head = cells(lines[3])
    assert head[3:] == [
        "ECE natural (plug-in)",
        "ECE natural, scaled (plug-in)",
        "ECE natural, debiased (Kumar et al. 2019)",
        "ECE natural, scaled, debiased",
        "ECE paper protocol (plug-in)",
        "ECE paper protocol, scaled (plug-in)",
        "ECE paper protocol, debiased",
        "ECE paper protocol, scaled, debiased",
        "T",
    ]
    rows = [cells(line) for line in lines[5:]]
    assert [r[3:11] for r in rows] == [[f"{i:.1f}" for i in range(1, 9)]] * 3  # each column its own number
    assert [r[-1] for r in rows] == ["1.50", "2.00; failed fit (1 of 3 seeds)", "failed fit (3 of 3 seeds)"]
    assert (
        "one T fitted on the validation images of the experiment's label budget; a fit at the search bound," in lines[1]
    )
    assert "or one that does not lower the validation NLL, is a failed fit, with no scaled ECE" in lines[1]


def reliability_result() -> dict:
    """A metrics.json after a failed fit, as evaluate writes it: no T, no scaled ECE, no curve after scaling."""
    bins = 15
    before = {"count": [1.0] * bins, "confidence": [0.5] * bins, "accuracy": [0.4] * bins}
    curves = {p: {"before": before, "after": None} for p in ("natural", "paper_protocol")}
    return {
        "ece": 0.1,
        "ece_scaled": None,
        "temperature": None,
        "temperature_fit": "failed (at the upper bound of the search, T = 20)",
        "paper_protocol": {"ece": 0.1, "ece_scaled": None},
        "calibration": {"reliability": curves},
    }


def test_the_reliability_diagram_says_a_fit_failed(monkeypatch, tmp_path):
    from cxrcontrast.figures import calibration as figure

    texts: list[str] = []

    def keep(fig, path, **kwargs):
        texts.extend(t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts())

    monkeypatch.setattr(figure, "save_figure", keep)
    figure.reliability_diagram(reliability_result(), "x", "r.png")
    assert texts.count("temperature fit failed") == 2  # both panels
    assert not any("T = nan" in t for t in texts)  # no number of a fit that failed
