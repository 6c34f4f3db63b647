"""`python -m cxrcontrast --help` and the help of each subcommand: plain text under the name a person types."""

import re
import subprocess
import sys

import pytest

REST = re.compile(r"``|:[a-z]+:`")  # reST literals and roles (``x``, :func:`x`)


def helped(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "cxrcontrast", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("command", [[], ["check"], ["store"], ["own"]])
def test_help_is_plain_text_under_the_name_typed(command):
    text = helped(*command, "--help")
    assert text.startswith(f"usage: {' '.join(['python -m cxrcontrast', *command])} ")
    assert not REST.search(text), REST.search(text)


def test_run_help_is_the_front_doors_own_short_usage():
    """Not Snakemake's whole usage under the name __main__.py: what run does, and where the rest is told."""
    text = helped("run", "--help")
    assert text.startswith("usage: python -m cxrcontrast run [snakemake arguments]")
    assert "All other arguments go to snakemake; see snakemake --help." in " ".join(text.split())
    assert "__main__.py" not in text and "--workflow-profile" not in text  # none of Snakemake's own usage
    assert not REST.search(text)


def test_the_top_level_help_names_every_subcommand():
    """own is routed before the parser (its own arguments and Snakemake's): it is listed all the same."""
    text = helped("--help")
    assert "{check,run,own,store}" in text


def test_an_argument_snakemake_refuses_is_one_error_line_under_the_name_typed():
    """Was: Snakemake's whole usage (hundreds of lines) under the name __main__.py, its error line last."""
    proc = subprocess.run(
        [sys.executable, "-m", "cxrcontrast", "run", "-n", "--quiet", "rules", "data"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    # argparse's own wording of the choices differs between Python versions: the line up to them
    assert lines[0].startswith("python -m cxrcontrast run: error: argument --quiet/-q: invalid choice: 'data'")
    assert len(lines) == 2 and "run --help" in lines[1] and "__main__.py" not in proc.stderr
