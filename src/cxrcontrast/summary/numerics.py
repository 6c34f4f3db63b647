"""Whether the experiments a summary compares were computed under the same numerics.

Each ``metrics.json`` records what its floats depended on besides config, seed and inputs
(``runtime.numerics``: device type, CPU capability, torch's intra-op threads, torch and numpy
versions), for its training (``numerics.train``, from the checkpoint) and its evaluation
(``numerics.evaluate``). Numbers made under other numerics differ by more than the arithmetic
of one machine: a summary that compares them says so.
"""

from __future__ import annotations

from ..vocabulary.experiments import Experiment


def numerics_warnings(results: list[dict], shown: int = 3) -> list[str]:
    """One line per numerics field whose value differs between ``results`` (metrics.json contents),
    naming the experiments of each value (at most ``shown`` of them); none where all agree."""
    values: dict[str, dict[str, list[str]]] = {}
    for m in results:
        name = f"{Experiment.from_row(m).path}/seed{m['seed']}"
        for stage, fields in sorted((m.get("numerics") or {"train": {}, "evaluate": {}}).items()):
            for field in sorted(set(fields or {}) | {"device", "cpu_capability", "threads", "torch", "numpy"}):
                value = str((fields or {}).get(field, "not recorded"))
                values.setdefault(f"{stage} {field}", {}).setdefault(value, []).append(name)
    lines = []
    for field, groups in values.items():
        if len(groups) > 1:
            parts = [
                f"{value} for {', '.join(names[:shown])}"
                + (f" and {len(names) - shown} more" if len(names) > shown else "")
                for value, names in sorted(groups.items())
            ]
            lines.append(
                f"the experiments compared were computed under different numerics: {field} is " + "; ".join(parts)
            )
    return lines
