"""``python -m cxrcontrast check --configfile A.yaml B.yaml``: the config layers checked as the workflow will
check them, each mistake in one line naming the file (and line) or the key.
``python -m cxrcontrast run [snakemake arguments]``: the same check of every layer Snakemake would read,
then Snakemake with those arguments; the documented way of running the workflow.

Snakemake reads ``--configfile`` layers before any workflow code runs: its loader runs the Python
expressions of a layer holding ``__use_yte__: true`` (YTE), expands YAML aliases without bound and
keeps the last of two equal keys, and its message for a YAML mistake names neither the file nor the
line. The front door reads every layer first as data only (``cxrcontrast.config.read_yaml``) and
starts Snakemake only if all pass, so Snakemake never loads a layer the check refused.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

from .config.layers import SCHEMA, WORKFLOW_CONFIG, layer_files
from .cost import plan_of
from .errors import InputError
from .own_data import own


def check_layers(layers: list, schema: str | os.PathLike, overrides: dict | None = None, out=None) -> int:
    """0 and a summary line (on ``out``, default stdout) if the layers resolve; else 1 and the mistake
    in one line on stderr."""
    from .config import load_layers

    try:
        workflow = load_layers(list(dict.fromkeys(map(str, layers))), schema, overrides)
    except Exception as exc:  # InputError, and Snakemake's own errors (e.g. a bad --config entry)
        message = str(exc).strip().splitlines()[0] if isinstance(exc, InputError) else str(exc).strip()
        print(f"cxrcontrast: {message}", file=sys.stderr)
        return 1
    print(
        f"config ok: {len(workflow.datasets)} datasets, {len(workflow.experiments)} experiments x "
        f"{len(workflow.seeds)} seeds, {sum(len(r.pretrainings) for r in workflow.datasets.values())} pretrainings",
        file=out or sys.stdout,
    )
    print(plan_of(workflow), file=out or sys.stdout)  # jobs, projected hours and disk, before any job
    return 0


def run(args: list[str]) -> int:
    """Check the layers Snakemake would read for ``args`` (its own parser reads them, profiles
    included), then replace this process by Snakemake with ``args`` unchanged."""
    from snakemake.cli import parse_args, parse_config

    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):  # Snakemake says which profile it uses: once, itself
            _, parsed = parse_args(args)
    except SystemExit:
        sys.stderr.write(said.getvalue())
        raise
    base = Path(parsed.directory or ".")
    layers = layer_files(parsed.configfile, base)
    overrides = parse_config(parsed.config) if parsed.config else None
    if check_layers(layers, base / SCHEMA, overrides, out=sys.stderr):  # stdout is Snakemake's (--dag | dot)
        return 1
    os.execv(sys.executable, [sys.executable, "-m", "snakemake", *args])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:  # everything after `run` is Snakemake's, options included
        return run(argv[1:])
    if argv[:1] == ["own"]:  # a folder or .npz through the own-data preset: own_data.py
        return own(argv[1:], run)
    parser = argparse.ArgumentParser(prog="cxrcontrast", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check config layers (run from the workflow's folder)")
    check.add_argument("--configfile", nargs="+", default=[WORKFLOW_CONFIG], help="layers, later wins")
    check.add_argument("--schema", default=SCHEMA)
    sub.add_parser("run", help="check every config layer, then run snakemake with the same arguments")
    args = parser.parse_args(argv)
    return check_layers(args.configfile, args.schema)


if __name__ == "__main__":
    sys.exit(main())
