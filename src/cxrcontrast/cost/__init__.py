"""What a run will cost, before it starts: its jobs per rule (``jobs.py``), the images each job passes through
a model and the bytes it writes, projected to CPU-hours and disk from a shipped throughput table
(``projection.py``, ``throughput.json`` made by ``benchmarks/bench_throughput.py``)."""
