"""RunConfig hygiene and safety checks that CI runs with the tests."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, snakemake, workflow_copy

BIN = Path(sys.executable).parent


@pytest.mark.slow
def test_snakemake_lint_has_no_findings(tmp_path):
    work = workflow_copy(tmp_path)
    proc = snakemake(work, "--lint", "--configfile", "config/config.yaml", "config/demo.yaml")
    assert "Congratulations, your workflow is in a good condition!" in proc.stdout + proc.stderr


def test_rules_are_snakefmt_formatted():
    files = [REPO / "Snakefile", *sorted((REPO / "workflow/rules").glob("*.smk"))]
    proc = subprocess.run([str(BIN / "snakefmt"), "--check", *map(str, files)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_no_pickle_loading_anywhere():
    """np.load only with allow_pickle=False, torch.load only with weights_only=True, no pickle module, and no
    library call that unpickles on our behalf (efficientnet-pytorch's from_pretrained, torch hub's load_url)."""
    sources = [
        *(REPO / "src").rglob("*.py"),
        *(REPO / "workflow/scripts").glob("*.py"),
        *(REPO / "benchmarks").glob("*.py"),
    ]
    assert sources
    for path in sources:
        text = path.read_text()
        for call in re.finditer(r"\b(np|numpy)\.load\(([^)]*)\)", text):
            assert "allow_pickle=False" in call.group(2), f"{path}: {call.group(0)}"
        for call in re.finditer(r"\btorch\.load\(([^)]*)\)", text):
            assert "weights_only=True" in call.group(1), f"{path}: {call.group(0)}"
        assert not re.search(r"^\s*(import pickle|from pickle|import dill|import joblib)", text, re.M), path
        assert "allow_pickle=True" not in text and "weights_only=False" not in text, path
        for call in ("from_pretrained(", "load_state_dict_from_url(", "load_url(", "torch.hub.load("):
            assert call not in text, f"{path}: {call} loads with pickle"


def test_every_rule_has_a_log_and_training_rules_a_benchmark():
    text = "\n".join(p.read_text() for p in (REPO / "workflow/rules").glob("*.smk"))
    rules = re.split(r"^rule (\w+):", text, flags=re.M)[1:]
    blocks = dict(zip(rules[::2], rules[1::2]))
    for name, body in blocks.items():
        if name in ("data",):  # a target-only rule runs nothing
            continue
        assert "    log:" in body, name
        assert "    threads:" in body and "mem_mb=" in body and "runtime=" in body, name
    for name in ("pretrain", "classify"):
        assert "    benchmark:" in blocks[name] and "gpu=1" in blocks[name]
    for name in ("evaluate", "embed"):
        assert "gpu=1" in blocks[name]


def test_no_config_reaches_a_shell():
    """Rules run Python scripts only: no shell: or run: blocks that could splice config strings into a command."""
    for path in [REPO / "Snakefile", *(REPO / "workflow/rules").glob("*.smk")]:
        assert not re.search(r"^\s+(shell|run):", path.read_text(), re.M), path


def test_outputs_carry_provenance(tmp_path):
    import json

    import numpy as np

    from cxrcontrast import __version__
    from cxrcontrast.files import load_npz, provenance, save_npz

    save_npz(tmp_path / "a.npz", provenance=provenance(seed=3), x=np.arange(3))
    stored = json.loads(str(load_npz(tmp_path / "a.npz")["provenance"]))
    assert stored == {"package": "cxrcontrast", "version": __version__, "params": {"seed": 3}}


SRC = REPO / "src/cxrcontrast"


def imports(path: Path) -> set[str]:
    """Package-relative modules a file imports (``..training.x`` from cxrcontrast/evaluation -> training)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = path.relative_to(SRC).parts[: -node.level]
            found.add(".".join([*base, *(node.module or "").split(".")]).strip("."))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cxrcontrast"):
            found.add(node.module.removeprefix("cxrcontrast."))
    return found


def test_layers_are_kept():
    """The house (shared/notes/house.md): who may import whom."""
    never = {
        "evaluation": ("training", "stages", "config"),
        "models": ("training", "stages", "evaluation", "config"),
        "data": ("models", "training", "stages", "evaluation", "config"),
        "training": ("stages", "config"),
        "figures": ("training", "stages", "config"),
    }
    for layer, forbidden in never.items():
        for path in (SRC / layer).rglob("*.py"):
            for module in imports(path):
                assert not module.startswith(forbidden), f"{path.relative_to(SRC)} imports {module}"
    for path in SRC.rglob("*.py"):  # never a run's objects (library functions like snakemake.utils are fine)
        assert not re.search(r"\bsnakemake\.(input|output|params|wildcards|config|log|threads)\b", path.read_text()), (
            path
        )


def test_no_module_named_like_the_standard_library_and_none_too_long():
    for path in SRC.rglob("*.py"):
        assert path.stem not in sys.stdlib_module_names or path.stem == "__init__", path
        assert len(path.read_text().splitlines()) <= 250, f"{path}: over 250 lines"


def test_every_test_named_in_the_docs_exists():
    """docs/bad-inputs.md names the test behind each case: each must exist (`::name` is in the last file named)."""
    text = (REPO / "docs/bad-inputs.md").read_text()
    current = None
    for file, name in re.findall(r"`(tests/\w+\.py)?::(\w+)`", text):
        current = file or current
        assert f"def {name}(" in (REPO / current).read_text(), f"{current}::{name}"
    assert current


def test_importing_a_stage_loads_no_plotting_or_statistics_library():
    """Every job pays its stage's import: matplotlib, scikit-learn and SciPy load where they are used, not then."""
    stages = sorted(p.stem for p in (SRC / "stages").glob("*.py") if p.stem != "__init__")
    code = "; ".join(
        ["import importlib, sys", *(f"importlib.import_module('cxrcontrast.stages.{s}')" for s in stages)]
        + ["print(sorted(m for m in ('matplotlib', 'sklearn', 'scipy') if m in sys.modules))"]
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert len(stages) >= 8 and proc.stdout.strip() == "[]", proc.stdout
