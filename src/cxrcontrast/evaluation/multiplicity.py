"""Multiplicity: Holm's step-down adjustment of a family of p-values.

One dataset's comparisons.csv is one family (every paired test of its experiments against their baselines, every
metric); datasets.csv is another (all its rows, every dataset). Holm (1979) controls the family-wise error rate
under any dependence between the tests, which paired tests sharing a baseline and test images have.
"""

from __future__ import annotations

import math

ALPHA = 0.05  # the family-wise level of every "not noise" mark of the summary


def significant(p_holm: float | None) -> bool:
    """A difference is marked where its Holm-adjusted p is below ``ALPHA`` (a missing p: never)."""
    return p_holm is not None and not math.isnan(p_holm) and p_holm < ALPHA


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm-adjusted p-values, in the order given: the i-th smallest of the m defined p-values becomes
    max over j <= i of min(1, (m - j + 1) p_(j)). A missing or NaN p-value is no test: it stays None and
    does not count in m."""
    defined = [i for i, p in enumerate(p_values) if p is not None and not math.isnan(p)]
    m = len(defined)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0  # the step-down max keeps the adjusted values in the order of the raw ones
    for rank, i in enumerate(sorted(defined, key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def resamples_for_a_mark(tests: int, alpha: float = ALPHA) -> int:
    """The fewest bootstrap resamples B whose smallest two-sided p, 2 / (B + 1), can pass Holm over ``tests``
    tests: tests * 2 / (B + 1) < alpha. With 1000 resamples at most 25 tests can (25 x 2 / 1001 < 0.05); 34 need
    1360."""
    b = max(1, math.ceil(2 * tests / alpha - 1))
    return b + 1 if tests * 2 / (b + 1) >= alpha else b
