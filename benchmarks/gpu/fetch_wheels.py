"""Wheels of what the grid needs beyond a GPU machine's own image, for its Python (3.12; x86-64).

    .venv/bin/python benchmarks/gpu/fetch_wheels.py --have image_packages.txt --dest .whl

Walks the dependency closure of snakemake, pytorch-metric-learning,
efficientnet-pytorch and medmnist as installed in this venv (same versions), leaves out
what ``--have`` lists (one package name per line: what the GPU image holds)
and the heavy packages every such image has (torch, numpy, ...), then
downloads a manylinux wheel of each for that Python, or builds a pure-Python one from
its sdist where PyPI has no wheel. Run it where pip reaches a registry.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import re
import subprocess
import sys
from pathlib import Path

ROOTS = [
    "snakemake",
    "pytorch-metric-learning",
    "efficientnet-pytorch",
    "medmnist",
]  # medmnist: its INFO names the labels
HEAVY = {"torch", "torchvision", "numpy", "scipy", "scikit-learn", "matplotlib", "pillow"}
MANYLINUX = [
    arg
    for tag in ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64")
    for arg in ("--platform", tag)
]


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(roots: list[str], have: set[str]) -> dict[str, str]:
    """Installed versions of ``roots`` and their requirements, not walking through what ``have``
    holds (torch's own requirements stay the image's)."""
    found, todo = {}, list(roots)
    while todo:
        name = norm(todo.pop())
        if name in found or name in have:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        found[name] = dist.version
        todo += [re.split(r"[ ;<>=!~\[(]", r)[0] for r in dist.requires or [] if "extra ==" not in r]
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--have", type=Path, help="package names the GPU image already holds, one per line")
    parser.add_argument("--dest", type=Path, default=Path(".whl"))
    parser.add_argument("--python-version", default="3.12", help="the GPU image's Python (3.12 on 2026-11-17)")
    args = parser.parse_args(argv)
    have = HEAVY | ({norm(n) for n in args.have.read_text().split()} if args.have else set())
    wanted = closure(ROOTS, have)
    args.dest.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "-q"]
    for name, version in sorted(wanted.items()):
        spec = f"{name}=={version}"
        platform = [
            "--only-binary=:all:",
            "--python-version",
            args.python_version,
            "--implementation",
            "cp",
            *MANYLINUX,
        ]
        got = subprocess.run(
            [*pip, "download", "--no-deps", *platform, "-d", str(args.dest), spec], capture_output=True
        )
        if got.returncode:  # no binary wheel for that Python: build a pure one from the sdist
            subprocess.run([*pip, "wheel", "--no-deps", "--no-binary", ":all:", "-w", str(args.dest), spec], check=True)
            built = sorted(args.dest.glob(f"{name.replace('-', '_')}-{version}-*.whl"), key=lambda f: f.stat().st_mtime)
            if not built or not built[-1].name.endswith("-none-any.whl"):
                raise SystemExit(
                    f"{spec}: no wheel for Python {args.python_version} on the registry, "
                    "and its sdist does not build a pure one"
                )
        print(spec)
    size = sum(f.stat().st_size for f in args.dest.glob("*.whl")) / 2**20
    print(f"{len(wanted)} packages, {size:.1f} MiB of wheels in {args.dest}")


if __name__ == "__main__":
    main()
