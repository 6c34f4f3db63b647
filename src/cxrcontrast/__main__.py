"""``python -m cxrcontrast check --configfile A.yaml B.yaml``: the config layers checked as the workflow will
check them, each mistake in one line naming the file (and line) or the key.

Snakemake reads ``--configfile`` layers before any workflow code runs, and its own message for a
YAML mistake names neither the file nor the line; this command does, before a run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import InputError

SCHEMA = Path("workflow/schemas/config.schema.yaml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cxrcontrast", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check config layers (run from the workflow's folder)")
    check.add_argument("--configfile", nargs="+", default=["config/config.yaml"], help="layers, later wins")
    check.add_argument("--schema", default=str(SCHEMA))
    args = parser.parse_args(argv)
    from .config import load_layers

    try:
        workflow = load_layers(args.configfile, args.schema)
    except Exception as exc:  # InputError, and jsonschema's and Snakemake's validation errors
        message = str(exc).strip().splitlines()[0] if isinstance(exc, InputError) else str(exc).strip()
        print(f"cxrcontrast: {message}", file=sys.stderr)
        return 1
    print(
        f"config ok: {len(workflow.experiments)} experiments x {len(workflow.seeds)} seeds, "
        f"{len(workflow.pretrainings)} pretrainings"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
