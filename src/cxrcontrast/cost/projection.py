"""The plan printed before a run: jobs per rule, projected CPU-hours (and GPU-hours where the table has a GPU
row), projected disk. Projections, not promises: images per second come from ``throughput.json``, measured by
``benchmarks/bench_throughput.py`` on the machine it names, per thread; a size it lacks is scaled from the
nearest measured size by the pixels the network computes on (an encoder that pads its inputs to 224 px costs the
same at every smaller size). The ResNets change their stem at 64 px (MedMNIST's stride-1 stem below): the table
measures 28, 32, 64, 128 and 224 px, and a size between 32 and 64 is projected from one side of that change."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from .jobs import CHECKPOINT_COPIES, Job, jobs_per_rule

TABLE = Path(__file__).with_name("throughput.json")
TRAINING_RULES = ("pretrain", "classify", "official")  # the jobs that write a checkpoint
FLOAT_BYTES = 4  # float32 weights


@dataclass(frozen=True)
class Throughput:
    """One measured row: images per second of one thread at one model input size; the batches it was measured
    with and the peak memory they took (MB of resident set over the process before the model was built)."""

    encoder: str
    image_size: int
    train_images_per_s: float
    infer_images_per_s: float
    checkpoint_bytes: int  # the encoder's state_dict (its heads are counted from ``features``)
    features: int = 0  # the encoder's output features at this input size (the heads' input)
    train_batch: int = 0  # 0: not recorded
    infer_batch: int = 0
    train_peak_mb: float = 0.0
    infer_peak_mb: float = 0.0
    pads_to: int = 0  # the encoder zero-pads smaller inputs to this side (0: it takes them as they are)
    load: float = 0.0  # the machine's 1-minute load average when the row was measured

    def computed_side(self, image_size: int) -> int:
        """The side the network computes on for an input of ``image_size``."""
        return max(image_size, self.pads_to)


def head_parameters(row: Throughput, widths: tuple[int, ...]) -> int:
    """Weights and biases of linear layers of output ``widths`` on the encoder's features at the row's size.
    A mini-VGG's features grow with its input (1,024 at 32 px, 4,096 at 64), so at 64 px its heads, not
    its 24k-parameter encoder, make the checkpoint's bytes."""
    total, width = 0, row.features
    for out in widths:
        total, width = total + width * out + out, out
    return total


class ThroughputTable:
    def __init__(self, table: dict):
        self.machine, self.device = table["machine"], table["device"]
        self.rows = [Throughput(**row) for row in table["rows"]]

    @classmethod
    def shipped(cls) -> ThroughputTable:
        return cls(json.loads(TABLE.read_text(encoding="utf-8")))

    def at(self, encoder: str, image_size: int) -> Throughput:
        """The row of ``encoder`` at ``image_size``, else its nearest measured size with the rates scaled by
        the ratio of the pixels computed on (convolution cost grows with the pixels; padded pixels cost too)."""
        rows = [row for row in self.rows if row.encoder == encoder]
        if not rows:
            raise KeyError(f"{TABLE.name}: no row for encoder {encoder!r}; run benchmarks/bench_throughput.py")
        near = min(rows, key=lambda row: abs(row.image_size - image_size))
        scale = (near.computed_side(near.image_size) / near.computed_side(image_size)) ** 2
        grows = len({row.features for row in rows}) > 1  # features that grow with the input (mini-VGG's)
        return replace(
            near,
            image_size=image_size,
            train_images_per_s=near.train_images_per_s * scale,
            infer_images_per_s=near.infer_images_per_s * scale,
            features=round(near.features / scale) if grows else near.features,
        )

    def hours(self, job: Job) -> float:
        """Device-hours of one job (thread-hours on a CPU table)."""
        if job.encoder is None:
            return 0.0
        row = self.at(job.encoder, job.image_size)
        return (job.train_images / row.train_images_per_s + job.infer_images / row.infer_images_per_s) / 3600

    def disk_bytes(self, job: Job) -> float:
        if job.rule not in TRAINING_RULES:
            return job.disk_bytes
        row = self.at(job.encoder, job.image_size)
        return job.disk_bytes + CHECKPOINT_COPIES * (
            row.checkpoint_bytes + FLOAT_BYTES * head_parameters(row, job.head)
        )


@dataclass(frozen=True)
class Plan:
    jobs: dict[str, int]  # rule -> jobs
    hours: dict[str, float]  # rule -> projected device-hours
    disk_bytes: float
    device: str
    machine: str
    unmeasured: tuple[str, ...] = ()  # encoders the table has no row for: their jobs are counted, not projected

    @property
    def total_hours(self) -> float:
        return sum(self.hours.values())


def plan(jobs: list[Job], table: ThroughputTable) -> Plan:
    """Jobs per rule and their projections; the jobs of an encoder the table has not measured are counted
    but neither timed nor sized (named in ``unmeasured``)."""
    counts = jobs_per_rule(jobs)
    measured = {row.encoder for row in table.rows}
    unmeasured = tuple(sorted({j.encoder for j in jobs if j.encoder is not None and j.encoder not in measured}))
    jobs = [j for j in jobs if j.encoder is None or j.encoder in measured]
    hours = {rule: sum(table.hours(j) for j in jobs if j.rule == rule) for rule in counts}
    disk = sum(table.disk_bytes(j) for j in jobs)
    return Plan(counts, hours, disk, table.device, table.machine, unmeasured)


def disk_text(size: float) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


def plan_text(p: Plan) -> str:
    """The plan as a short table: rule, jobs, projected hours; totals; disk."""
    unit = f"{p.device.upper()}-hours"
    lines = ["plan (the whole grid; a rerun skips finished jobs):", f"  {'rule':<20}{'jobs':>6}{unit:>12}"]
    for rule, count in p.jobs.items():
        hours = f"{p.hours[rule]:.2f}" if p.hours[rule] else "-"
        lines.append(f"  {rule:<20}{count:>6}{hours:>12}")
    lines.append(f"  {'total':<20}{sum(p.jobs.values()):>6}{p.total_hours:>12.2f}")
    other = "GPU" if p.device == "cpu" else "CPU"
    lines += [
        f"  projected: {p.total_hours:.2f} {unit} (one thread each; divide by the threads at work), "
        f"{other}-hours not measured; disk about {disk_text(p.disk_bytes)}",
        f"  projections from {TABLE.name}, measured on {p.machine} (benchmarks/bench_throughput.py)",
    ]
    if p.unmeasured:
        lines.append(
            f"  not projected (no row in {TABLE.name}): the jobs of {', '.join(p.unmeasured)}; "
            "add them with benchmarks/bench_throughput.py"
        )
    return "\n".join(lines)
