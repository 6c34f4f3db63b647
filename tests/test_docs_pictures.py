"""The pictures of the docs stay true: docs/rulegraph.png shows the workflow's rules and edges as they are.

`make rulegraph` draws the picture from a DOT file it keeps beside it (docs/rulegraph.dot) with the rule
names (docs/rulegraph.rules). These tests ask the workflow for its graph again, with the Makefile's own
arguments, and compare: no Graphviz needed (CI has none), a rule added, renamed or rewired fails here.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import workflow_copy

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
REMEDY = "run `make rulegraph` (needs Graphviz's dot) and commit docs/rulegraph.*"


def graph_of(dot: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The rule names and the edges between them (by name) of Snakemake's --rulegraph DOT: node numbers and
    the order of lines differ from one call to the next, the names and edges do not."""
    names = dict(re.findall(r'^\s*(\d+)\[label = "(\w+)"', dot, flags=re.M))
    edges = {(names[a], names[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", dot, flags=re.M)}
    return set(names.values()), edges


def snakemake(work: Path, *args: str) -> str:
    exe = Path(sys.executable).with_name("snakemake")
    proc = subprocess.run([str(exe), *args], cwd=work, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def workflow(tmp_path_factory) -> Path:
    work = workflow_copy(tmp_path_factory.mktemp("rulegraph"))
    (work / "docs").mkdir()
    shutil.copy(DOCS / "rulegraph.yaml", work / "docs")
    return work


@pytest.fixture(scope="module")
def current_graph(workflow) -> tuple[set[str], set[tuple[str, str]]]:
    """The workflow's rule graph now, drawn with the arguments `make rulegraph` gives."""
    (args,) = re.findall(r"^RULEGRAPH = (.+)$", (REPO / "Makefile").read_text(), flags=re.M)
    return graph_of(snakemake(workflow, *args.split()))


def test_the_pictured_rules_are_every_rule_of_the_workflow(workflow, current_graph):
    pictured = set((DOCS / "rulegraph.rules").read_text().split())
    rules = set(snakemake(workflow, "--list-rules").split())
    assert current_graph[0] == rules  # the picture's config and targets reach every rule
    assert pictured == rules, (
        f"docs/rulegraph.png shows rules the workflow lacks {sorted(pictured - rules)} and lacks rules it has "
        f"{sorted(rules - pictured)}: {REMEDY}"
    )


def test_the_picture_is_drawn_from_the_current_rule_graph(current_graph):
    names, edges = graph_of((DOCS / "rulegraph.dot").read_text())
    assert names == set((DOCS / "rulegraph.rules").read_text().split())
    assert edges == current_graph[1], (
        f"docs/rulegraph.png has edges the workflow lacks {sorted(edges - current_graph[1])} and lacks edges it "
        f"has {sorted(current_graph[1] - edges)}: {REMEDY}"
    )
