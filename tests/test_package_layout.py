"""One name per concept (issue 33): a stage module per rule, named after it; no two modules of one package a
letter apart; the summary's presentation in summary/, the numbers in evaluation/; stage functions short."""

import ast
import itertools
import re
from pathlib import Path

from conftest import REPO
from test_hygiene import imports

SRC = REPO / "src" / "cxrcontrast"
LONGEST_STAGE_FUNCTION = 40  # lines: a stage reads as a table of contents of its steps


def one_letter_apart(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one substituted, added or dropped letter."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) == 1 and any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def package_members(package: Path) -> set[str]:
    """The modules and subpackages of ``package`` by name."""
    return {p.stem for p in package.glob("*.py") if p.stem != "__init__"} | {
        p.name for p in package.iterdir() if (p / "__init__.py").is_file()
    }


def test_no_two_modules_of_one_package_differ_by_one_letter():
    packages = [SRC, *(p.parent for p in SRC.rglob("__init__.py"))]
    for package in packages:
        for a, b in itertools.combinations(sorted(package_members(package)), 2):
            assert not one_letter_apart(a, b), f"{package.relative_to(SRC)}: {a} and {b} differ by one letter"


def test_every_rule_script_calls_the_stage_named_after_its_rule():
    """workflow/scripts/<rule>.py imports run_<rule> from cxrcontrast.stages.<rule>."""
    for script in sorted((REPO / "workflow" / "scripts").glob("*.py")):
        rule = script.stem
        text = script.read_text()
        assert f"from cxrcontrast.stages.{rule} import run_{rule}\n" in text, f"{script.name}: expected stages.{rule}"
        assert (SRC / "stages" / f"{rule}.py").is_file(), f"stages/{rule}.py: no stage module for rule {rule}"


def test_evaluation_holds_numbers_and_summary_the_markdown():
    for path in (SRC / "evaluation").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r'"\| |"## |"> \*\*', text), f"{path.relative_to(SRC)}: Markdown in evaluation/"
        assert not any(m.startswith(("summary", "stages")) for m in imports(path)), path.relative_to(SRC)
    for path in (SRC / "figures").rglob("*.py"):
        assert not any(m.startswith(("summary", "stages")) for m in imports(path)), path.relative_to(SRC)
    for path in (SRC / "summary").rglob("*.py"):
        assert not any(m.startswith(("stages", "training", "config")) for m in imports(path)), path.relative_to(SRC)


def test_no_stage_function_is_over_40_lines():
    for path in [*(SRC / "stages").glob("*.py"), SRC / "config" / "report_facts.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                length = node.end_lineno - node.lineno + 1
                assert length <= LONGEST_STAGE_FUNCTION, f"{path.relative_to(SRC)}:{node.name} is {length} lines"


def test_every_module_of_the_package_imports():
    """Each module under src/cxrcontrast imports (a broken import in a module no fast test loads would otherwise
    wait for the workflow to find it)."""
    import importlib
    import pkgutil

    import cxrcontrast

    names = [m.name for m in pkgutil.walk_packages(cxrcontrast.__path__, "cxrcontrast.")]
    assert len(names) >= len(list(SRC.rglob("*.py"))) - 1  # every file found (the top __init__ is the package)
    for name in names:
        importlib.import_module(name)
