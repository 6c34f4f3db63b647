"""Process set-up shared by every workflow step: logging to the rule's log, threads, device, code identity.

torch is imported inside the functions that need it: the workflow imports this module at
parse time, where loading torch would slow every Snakemake command by seconds.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import sys
from pathlib import Path

from .errors import InputError


def set_threads(n: int) -> None:
    """Intra-op threads of torch: the config's ``torch_threads``, never what the scheduler allotted (a sum
    over another number of threads adds in another order, and training goes elsewhere)."""
    import torch

    torch.set_num_threads(int(n))


def numerics(device) -> dict:
    """What a job's floats depend on besides its config, seed and inputs: recorded in every checkpoint and
    metrics file, and part of the key under which a finished result is kept."""
    import numpy as np
    import torch

    return {
        "device": torch.device(device).type,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "torch": str(torch.__version__),
        "numpy": str(np.__version__),
    }


def process_age() -> float | None:
    """Seconds since this process started (Linux, from /proc; None elsewhere): a step's first log line
    reports it, so the start-up a job pays (Python, Snakemake's preamble, imports) is in every log."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))


def _around_logs(log_file: str | os.PathLike) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The parts of a log's path (without suffix) before and after its last ``logs`` folder; None outside one."""
    parts = Path(log_file).with_suffix("").parts
    if "logs" not in parts[:-1]:
        return None
    at = len(parts) - 1 - parts[::-1].index("logs")
    return parts[:at], parts[at + 1 :]


def job_name(log_file: str | os.PathLike | None) -> str:
    """The job a log file belongs to, as its path names it: ``results/chest/logs/classify/minivgg/normal/
    train/labels1/seed0.log`` is ``chest/classify/minivgg/normal/train/labels1/seed0`` (the folder above
    ``logs/``, the dataset, then the path below it); a log outside a ``logs/`` folder is named by its stem."""
    if not log_file:
        return Path(sys.argv[0]).stem or "cxrcontrast"
    if (around := _around_logs(log_file)) is None:
        return Path(log_file).stem
    above, below = around
    owner = above[-1:] if above and above[-1] not in ("results", "/") else ()  # results/logs/: every dataset's
    return "/".join([*owner, *below])


def tensorboard_folder(log_file: str | os.PathLike) -> Path:
    """Where a training job's TensorBoard event files go: its log's path with ``logs`` made ``tensorboard``
    and no suffix (``results/chest/logs/classify/.../seed0.log``: ``results/chest/tensorboard/classify/.../seed0``)."""
    if (around := _around_logs(log_file)) is None:
        raise ValueError(f"{log_file}: a job's log lies in a logs/ folder; expected .../logs/<rule>/....log")
    above, below = around
    return Path(*above, "tensorboard", *below)


# Lines marked ``extra=TERMINAL`` (a training job's one line per epoch) reach the terminal beside warnings and
# errors; everything else is in the job's log only, so Snakemake's own output stays readable.
TERMINAL = {"terminal": True}


def _for_the_terminal(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or getattr(record, "terminal", False)


@contextlib.contextmanager
def job(log_file: str | os.PathLike | None = None, threads: int | None = None, name: str | None = None):
    """Run a workflow step: log lines to ``log_file`` (every line) and stderr (warnings, errors and lines
    marked ``TERMINAL``; every line without a log file), each naming the job (``name``, else
    ``job_name(log_file)``), torch's intra-op ``threads`` set (the config's ``torch_threads``; None for a
    step that runs no torch, which then never imports it), errors logged (bad input as one line, anything
    else with its traceback)."""
    terminal = logging.StreamHandler(sys.stderr)
    handlers: list[logging.Handler] = [terminal]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
        terminal.addFilter(_for_the_terminal)
    label = (name or job_name(log_file)).replace("%", "%%")  # a literal in the format string
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s %(levelname)s [{label}] %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    if threads is not None:
        set_threads(threads)
    log = logging.getLogger("cxrcontrast")
    age = process_age()
    if age is not None:  # benchmarks/bench_startup.py sums these lines over a run's logs
        log.info("start-up: %.2f s from process start to this line", age)
    if "SLURM_JOB_ID" in os.environ:  # where the job ran, and which GPUs SLURM gave it
        # As SLURM set them: an array task run in its batch step (no srun) may lack SLURM_GPUS_ON_NODE
        # while CUDA_VISIBLE_DEVICES names its GPU, so "not set" is not "no GPU".
        log.info(
            "SLURM job %s on %s, GPUs on node: %s, CUDA_VISIBLE_DEVICES=%s",
            os.environ["SLURM_JOB_ID"],
            os.environ.get("SLURMD_NODENAME", "?"),
            os.environ.get("SLURM_GPUS_ON_NODE", "not set"),
            os.environ.get("CUDA_VISIBLE_DEVICES", "not set"),
        )
    try:
        yield log
    except InputError as exc:  # the user's to mend: one line naming the file or key, no traceback
        log.error("%s", exc)
        raise SystemExit(1) from None
    except Exception:
        log.exception("step failed")
        raise


def check_device(name: str) -> None:
    """``device: cuda`` where no CUDA GPU is visible is refused (at parse time, and in a job's first second)."""
    if name == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise InputError(
                "device: 'cuda' was asked for but no CUDA GPU is visible on this machine; "
                "use device: auto (the GPU where there is one) or cpu"
            )


def pick_device(name: str = "auto"):
    """``auto``: CUDA when available, else CPU; ``cuda`` fails clearly without a GPU."""
    import torch

    check_device(name)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


# The code a trained result depends on; the figures, the summary, the report and the config module do not
# change a checkpoint, so editing them leaves finished and half-finished training alone.
RESULT_CODE = (
    "data",
    "models",
    "training",
    "evaluation",
    "vocabulary",
    "files.py",
    "runtime.py",
    "errors.py",
    "stages/pretrain.py",
    "stages/classify.py",
    "stages/official.py",
)


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 over the package's source files that training results depend on (``RESULT_CODE``)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for part in RESULT_CODE:
        for path in sorted((root / part).rglob("*.py")) if (root / part).is_dir() else [root / part]:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
