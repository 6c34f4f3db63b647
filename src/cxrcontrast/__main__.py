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

PROG = "python -m cxrcontrast"
# Help is printed as plain text: argparse shows reST markup (the docstring's ``x``) as it is written.
DESCRIPTION = (
    "The front door of the cxrcontrast workflow, run from the workflow's folder. check: the config layers "
    "checked as the workflow will check them, each mistake in one line naming the file (and line) or the key. "
    "run: the same check of every layer Snakemake would read, then Snakemake with the same arguments (the "
    "documented way of running the workflow). own: your own X-rays (a folder of images or a MedMNIST-format "
    ".npz) through a lean grid in one command. store: the finished-result stores under results/, stale entries "
    "removed on request."
)
RUN_USAGE = f"""usage: {PROG} run [snakemake arguments]

Check every config layer Snakemake would read ({WORKFLOW_CONFIG}, each --configfile, --config) as data,
each mistake in one line naming the file (and line) or the key; if all pass, run snakemake with the same
arguments. All other arguments go to snakemake; see snakemake --help.

example: {PROG} run --cores 2 --configfile {WORKFLOW_CONFIG} config/demo.yaml
"""


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


def snakemake_error(said: str) -> str:
    """Snakemake's refusal of its arguments without its whole usage (hundreds of lines under the name
    ``__main__.py``): its error line, under the name a person typed, and where the usage is."""
    errors = [line.split(": error: ", 1)[1] for line in said.splitlines() if ": error: " in line]
    if not errors:
        return said
    return f"{PROG} run: error: {errors[-1]}\n(see {PROG} run --help, and snakemake --help for its arguments)\n"


def run(args: list[str]) -> int:
    """Check the layers Snakemake would read for ``args`` (its own parser reads them, profiles
    included), then replace this process by Snakemake with ``args`` unchanged."""
    from snakemake.cli import parse_args, parse_config

    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):  # Snakemake says which profile it uses: once, itself
            _, parsed = parse_args(args)
    except SystemExit as exit_:
        sys.stderr.write(snakemake_error(said.getvalue()) if exit_.code else said.getvalue())
        raise
    base = Path(parsed.directory or ".")
    layers = layer_files(parsed.configfile, base)
    overrides = parse_config(parsed.config) if parsed.config else None
    if check_layers(layers, base / SCHEMA, overrides, out=sys.stderr):  # stdout is Snakemake's (--dag | dot)
        return 1
    os.execv(sys.executable, [sys.executable, "-m", "snakemake", *args])


def add_store_command(sub) -> None:
    """The ``store`` subcommand's options (its description: ``cxrcontrast.store``)."""
    store = sub.add_parser(
        "store",
        help="list the finished-result stores under results/; --prune --yes removes the stale entries",
        description="List every entry of the finished-result stores under results/ (results/**/.finished/) "
        "with its size: used (a job of the config given could hand it back) or stale. --prune without --yes "
        "is a dry run. Run from the workflow's folder.",
    )
    store.add_argument("--configfile", nargs="*", default=[], help="the layers of the run, as given to run")
    store.add_argument("--prune", action="store_true", help="remove the stale entries (a dry run without --yes)")
    store.add_argument("--yes", action="store_true", help="with --prune: really remove them")


def store(args: argparse.Namespace) -> int:
    """Check the layers as ``run`` does (Snakemake reads them next), then list or prune the stores."""
    from .store import store_command

    if check_layers(layer_files(args.configfile, Path(".")), SCHEMA, out=sys.stderr):
        return 1
    try:
        return store_command(args.configfile, args.prune, args.yes)
    except InputError as exc:
        print(f"cxrcontrast: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"] and {"-h", "--help"} & set(argv[1:]):  # our usage, not Snakemake's whole one
        print(RUN_USAGE, end="")
        return 0
    if argv[:1] == ["run"]:  # everything after `run` is Snakemake's, options included
        return run(argv[1:])
    if argv[:1] == ["own"]:  # a folder or .npz through the own-data preset: own_data.py
        return own(argv[1:], run)
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check config layers (run from the workflow's folder)")
    check.add_argument("--configfile", nargs="+", default=[WORKFLOW_CONFIG], help="layers, later wins")
    check.add_argument("--schema", default=SCHEMA)
    sub.add_parser("run", help="check every config layer, then run snakemake with the same arguments")
    sub.add_parser("own", help="your own X-rays, a folder or .npz, through a lean grid (own --help)")
    add_store_command(sub)
    args = parser.parse_args(argv)
    if args.command == "store":
        return store(args)
    return check_layers(args.configfile, args.schema)


if __name__ == "__main__":
    sys.exit(main())
