"""What a run will cost, before it starts: its jobs per rule (``jobs.py``), the images each job passes through
a model and the bytes it writes, projected to CPU-hours and disk from a shipped throughput table
(``projection.py``, ``throughput.json`` made by ``benchmarks/bench_throughput.py``)."""


def plan_of(run) -> str:
    """The printed plan of a resolved config (``RunConfig``); a dataset whose size cannot be read yet (a file
    the run downloads, say) says so in one line instead: the plan informs, it never stops a run."""
    from ..errors import InputError
    from .jobs import grid_jobs
    from .projection import ThroughputTable, plan, plan_text

    try:
        return plan_text(plan(grid_jobs(run), ThroughputTable.shipped()))
    except (InputError, OSError, KeyError, ValueError) as exc:
        return f"plan: not projected ({type(exc).__name__}: {exc})"
