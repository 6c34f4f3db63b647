"""Protocol sensitivity: do the encoder states rank the same under every protocol?

The unit every protocol scores is an encoder state (encoder, pretraining): its classifier on every
training label (natural test split, the paper's balanced resample), its frozen features (our weighted kNN,
the MedMNIST+ kNN, the linear probe) and the official MedMNIST task with a head on those frozen features.
Each protocol scores a state by its own headline (mean over seeds); Kendall's tau-b between two protocols'
scores over the states both scored says whether "pretraining helps" depends on the protocol. A state whose
features h collapsed in any seed (probes.json ``collapsed``: no probe score) is left out of the probes' rankings:
its score would be the tie-breaking of identical features, and a mean over its other seeds a biased one. So is a
state whose classifier on every training label collapsed in any seed (metrics.json ``collapsed``: a single class
predicted, or chance on val) from the classifier's rankings; ``collapsed_states`` names what was left out.
"""

from __future__ import annotations

import numpy as np

# protocol -> (what it reads, its score) for a reader
PROTOCOLS = {
    "natural": "classifier, natural test split: balanced accuracy",
    "paper": "classifier, the paper's balanced resample: top-1",
    "knn": "weighted kNN of h (ours): balanced accuracy",
    "knn_medmnist_plus": "MedMNIST+ kNN of h (k=11, Euclidean, majority): accuracy",
    "linear": "linear probe of h: balanced accuracy",
    "official": "official MedMNIST task, head on frozen h: AUC",
}


# what each protocol scores of a state, where that can collapse ("official" reads its own head's result)
READS = {"natural": "classifier", "paper": "classifier", "knn": "features", "knn_medmnist_plus": "features"}
READS["linear"] = "features"


def _full_labels(r: dict) -> bool:
    return r["trainset"] == "train" and float(r["labels"]) == 1.0


def collapsed_states(exp_rows: list[dict], embedding: list[dict]) -> dict[str, dict[tuple, str]]:
    """{"classifier" | "features": {(encoder, pretrain): why it is left out}}: a classifier on every training label
    with a collapsed seed (``tables.experiment_rows`` ``collapsed_seeds``), features h collapsed in a seed."""
    out: dict[str, dict[tuple, str]] = {"classifier": {}, "features": {}}
    for r in exp_rows:
        if _full_labels(r) and r.get("collapsed_seeds"):
            why = f"classifier collapsed in {r['collapsed_seeds']} of {r['n_seeds']} seeds"
            out["classifier"][(r["encoder"], r["pretrain"])] = why
    for r in embedding:
        if r.get("collapsed"):
            why = f"features h collapsed in seed {r['seed']}: {r.get('collapsed_reason') or 'no spread'}"
            out["features"].setdefault((r["encoder"], r["pretrain"]), why)
    return out


def left_out(protocol: str, collapsed: dict[str, dict[tuple, str]]) -> dict[tuple, str]:
    """The states ``protocol`` leaves out as collapsed, with why."""
    return collapsed.get(READS.get(protocol, ""), {})


def _mean_by_state(rows: list[dict], column: str, keep=lambda r: True) -> dict[tuple, float]:
    groups: dict[tuple, list] = {}
    for r in rows:
        if keep(r) and r.get(column) is not None:
            groups.setdefault((r["encoder"], r["pretrain"]), []).append(float(r[column]))
    return {k: float(np.mean(v)) for k, v in groups.items()}


def protocol_scores(exp_rows: list[dict], embedding: list[dict], official: list[dict]) -> dict[str, dict]:
    """{protocol: {(encoder, pretrain): score}}; a protocol that scored no state is left out, and so is a collapsed
    state (``collapsed_states``) from the protocols that read what collapsed."""
    collapsed = collapsed_states(exp_rows, embedding)

    def probed(r):
        return (r["encoder"], r["pretrain"]) not in collapsed["features"]

    def classified(r):
        return _full_labels(r) and (r["encoder"], r["pretrain"]) not in collapsed["classifier"]

    scores = {
        "natural": _mean_by_state(exp_rows, "balanced_accuracy_mean", classified),
        "paper": _mean_by_state(exp_rows, "paper_accuracy_mean", classified),
        "knn": _mean_by_state(embedding, "knn_balanced_accuracy", probed),
        "knn_medmnist_plus": _mean_by_state(embedding, "knn_medmnist_plus_accuracy", probed),
        "linear": _mean_by_state(embedding, "linear_balanced_accuracy", probed),
        "official": _mean_by_state(official, "auc", lambda r: r["source"] == "ours" and r["tuning"] == "frozen"),
    }
    return {p: s for p, s in scores.items() if s}


def kendall_rows(scores: dict[str, dict], collapsed: dict | None = None) -> list[dict]:
    """One row per pair of protocols: Kendall's tau-b over the states both scored (None with fewer than 3), and
    the states either left out as collapsed (``collapsed``: ``collapsed_states``), named with why."""
    from scipy.stats import kendalltau

    collapsed = collapsed or {}

    rows = []
    for a in scores:
        for b in scores:
            common = sorted(set(scores[a]) & set(scores[b]))
            tau = None
            if len(common) >= 3:
                value = kendalltau([scores[a][s] for s in common], [scores[b][s] for s in common]).statistic
                tau = None if np.isnan(value) else float(value)
            gone = {**left_out(a, collapsed), **left_out(b, collapsed)}
            named = "; ".join(f"{enc}/{pre} ({why})" for (enc, pre), why in sorted(gone.items()))
            rows.append({"protocol": a, "against": b, "tau": tau, "states": len(common), "left_out_collapsed": named})
    return rows
