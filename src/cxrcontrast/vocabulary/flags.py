"""MedMNIST's dataset flags, from the installed medmnist's own INFO table.

Read from the package's ``info.py`` alone: importing ``medmnist`` imports torch (over ten seconds),
and the config checks run at every parse of the workflow.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path


@cache
def medmnist_info() -> dict:
    """``medmnist.INFO``: {flag: {"task", "label", "n_channels", "url", "MD5", ...}}."""
    package = importlib.util.find_spec("medmnist")  # finds the package without running its __init__
    if package is None or not package.submodule_search_locations:
        raise ImportError("the medmnist package is not installed (pip install -e . installs it)")
    path = Path(next(iter(package.submodule_search_locations))) / "info.py"
    spec = importlib.util.spec_from_file_location("_medmnist_info", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.INFO


def flags_2d() -> list[str]:
    """The 2D flags (the workflow's images are 2D)."""
    return sorted(flag for flag in medmnist_info() if not flag.endswith("3d"))
