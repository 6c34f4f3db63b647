"""Which epoch's weights a classification run keeps: the last (as the authors kept), or the best on
validation by one metric (the earliest of equals)."""

from __future__ import annotations

import torch


class KeepLast:
    """The last epoch's weights (``best``, copied to the CPU) and its row (``best_row``)."""

    best: dict | None = None
    best_row: dict | None = None

    def better(self, row: dict) -> bool:
        return True

    def offer(self, row: dict, model: torch.nn.Module) -> None:
        """Keep ``model``'s weights where its epoch (``row``) is the one to keep so far."""
        if self.best_row is None or self.better(row):
            self.best = {k: t.detach().to("cpu", copy=True) for k, t in model.state_dict().items()}
            self.best_row = row


class KeepBest(KeepLast):
    """The epoch best by ``val_<metric>``; ``sign``: 1 where larger is better, -1 where smaller is."""

    def __init__(self, metric: str, sign: int):
        self.key, self.sign = f"val_{metric}", sign

    def better(self, row: dict) -> bool:
        return self.sign * row[self.key] > self.sign * self.best_row[self.key]


def selection(select_on: str, directions: dict[str, int]) -> KeepLast:
    """``select_on``: ``last``, or a validation metric of ``directions`` (metric -> its sign)."""
    if select_on == "last":
        return KeepLast()
    if select_on not in directions:
        raise ValueError(f"select_on: {select_on!r}; expected one of {sorted([*directions, 'last'])}")
    return KeepBest(select_on, directions[select_on])
