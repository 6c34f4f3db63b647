"""Protocol sensitivity: do the encoder states rank the same under every protocol?

The unit every protocol scores is an encoder state (encoder, pretraining): its classifier on every
training label (natural test split, the paper's balanced resample), its frozen features (our weighted kNN,
the MedMNIST+ kNN, the linear probe) and the official MedMNIST task with a head on those frozen features.
Each protocol scores a state by its own headline (mean over seeds); Kendall's tau-b between two protocols'
scores over the states both scored (with its p-value and the number of states) says whether "pretraining helps"
depends on the protocol. Pretrain "none" is two states: ``END_TO_END`` under the classifier protocols,
``RANDOM_ENCODER`` under the others, so a classifier protocol and a probe share only the pretrained states. A state
whose features h collapsed in any seed (probes.json ``collapsed``: no probe score) is left out of the probes'
rankings: its score would be the tie-breaking of identical features, and a mean over its other seeds a biased one.
So is a state whose classifier on every training label collapsed in any seed (metrics.json ``collapsed``: a single
class predicted, or chance on val) from the classifier protocols; ``collapsed_states`` names what was left out.
"""

from __future__ import annotations

import numpy as np

# "pretrain none" is two different states: the classifier protocols score the baseline trained end to end, the
# probes and the official frozen head score the untrained (random) encoder's features; never ranked as one
END_TO_END = "none (end to end)"
RANDOM_ENCODER = "none (random encoder)"
CLASSIFIER_PROTOCOLS = ("natural", "paper")

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
    """{"classifier" | "features": {state: why it is left out}} (states as ``state_of`` names them): a classifier on
    every training label with a collapsed seed (``tables.experiment_rows`` ``collapsed_seeds``), features h
    collapsed in a seed."""
    out: dict[str, dict[tuple, str]] = {"classifier": {}, "features": {}}
    for r in exp_rows:
        if _full_labels(r) and r.get("collapsed_seeds"):
            why = f"classifier collapsed in {r['collapsed_seeds']} of {r['n_seeds']} seeds"
            out["classifier"][state_of(r, "natural")] = why
    for r in embedding:
        if r.get("collapsed"):
            why = f"features h collapsed in seed {r['seed']}: {r.get('collapsed_reason') or 'no spread'}"
            out["features"].setdefault(state_of(r, "knn"), why)
    return out


def left_out(protocol: str, collapsed: dict[str, dict[tuple, str]]) -> dict[tuple, str]:
    """The states ``protocol`` leaves out as collapsed, with why."""
    return collapsed.get(READS.get(protocol, ""), {})


def state_of(row: dict, protocol: str) -> tuple[str, str]:
    """(encoder, pretrain) of a row, its "none" named for what the protocol scores (``END_TO_END`` or
    ``RANDOM_ENCODER``)."""
    pretrain = row["pretrain"]
    if pretrain == "none":
        pretrain = END_TO_END if protocol in CLASSIFIER_PROTOCOLS else RANDOM_ENCODER
    return row["encoder"], pretrain


def _mean_by_state(rows: list[dict], column: str, protocol: str, keep=lambda r: True) -> dict[tuple, float]:
    groups: dict[tuple, list] = {}
    for r in rows:
        if keep(r) and r.get(column) is not None:
            groups.setdefault(state_of(r, protocol), []).append(float(r[column]))
    return {k: float(np.mean(v)) for k, v in groups.items()}


def protocol_scores(exp_rows: list[dict], embedding: list[dict], official: list[dict]) -> dict[str, dict]:
    """{protocol: {(encoder, pretrain): score}}; a protocol that scored no state is left out, and so is a collapsed
    state (``collapsed_states``) from the protocols that read what collapsed."""
    collapsed = collapsed_states(exp_rows, embedding)

    def probed(r):
        return state_of(r, "knn") not in collapsed["features"]

    def classified(r):
        return _full_labels(r) and state_of(r, "natural") not in collapsed["classifier"]

    def frozen(r):
        return r["source"] == "ours" and r["tuning"] == "frozen"

    columns = {  # protocol -> (its rows, its score column, the rows it scores)
        "natural": (exp_rows, "balanced_accuracy_mean", classified),
        "paper": (exp_rows, "paper_accuracy_mean", classified),
        "knn": (embedding, "knn_balanced_accuracy", probed),
        "knn_medmnist_plus": (embedding, "knn_medmnist_plus_accuracy", probed),
        "linear": (embedding, "linear_balanced_accuracy", probed),
        "official": (official, "auc", frozen),
    }
    scores = {p: _mean_by_state(rows, column, p, keep) for p, (rows, column, keep) in columns.items()}
    return {p: s for p, s in scores.items() if s}


def kendall_rows(scores: dict[str, dict], collapsed: dict | None = None) -> list[dict]:
    """One row per pair of protocols: Kendall's tau-b over the states both scored (ties counted as tau-b does), its
    two-sided p-value ("no association") and the number of states; tau and p None with fewer than 3 states; and the
    states either left out as collapsed (``collapsed``: ``collapsed_states``), named with why."""
    from scipy.stats import kendalltau

    collapsed = collapsed or {}

    rows = []
    for a in scores:
        for b in scores:
            common = sorted(set(scores[a]) & set(scores[b]))
            tau = p = None
            if len(common) >= 3:
                result = kendalltau([scores[a][s] for s in common], [scores[b][s] for s in common])
                if not np.isnan(result.statistic):
                    tau, p = float(result.statistic), float(result.pvalue)
            gone = {**left_out(a, collapsed), **left_out(b, collapsed)}
            named = "; ".join(f"{enc}/{pre} ({why})" for (enc, pre), why in sorted(gone.items()))
            row = {"protocol": a, "against": b, "tau": tau, "p_value": p, "states": len(common)}
            rows.append({**row, "left_out_collapsed": named})
    return rows


def ranks(by_state: dict[tuple, float]) -> dict[tuple, float]:
    """Each state's rank by score, 1 the best; tied scores share their average rank (1.5, 1.5 for two firsts)."""
    from scipy.stats import rankdata

    states = list(by_state)
    return dict(zip(states, (float(r) for r in rankdata([-by_state[s] for s in states], method="average"))))
