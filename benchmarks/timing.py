"""How every benchmark times: medians of repeated runs, alternatives taken in turns."""

from __future__ import annotations

import statistics
import time


def median_time(fn, repeats: int = 3) -> float:
    """Median wall seconds of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(pipelines: dict, repeats: int = 5) -> dict[str, float]:
    """Median of ``repeats`` results of each pipeline (a callable returning its own figure), taken
    in turns, so a slow spell of a shared machine falls on every pipeline alike."""
    runs = {name: [] for name in pipelines}
    for _ in range(repeats):
        for name, fn in pipelines.items():
            runs[name].append(fn())
    return {name: statistics.median(v) for name, v in runs.items()}
