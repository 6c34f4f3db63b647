"""The workflow's glue (issue 33, items 1 and 6): the Snakefile a table of contents, the rest in rule files of
one job each, short enough to read at once; the workflow's own config files named in one place, the layer
list built once; nothing under results/ read while the DAG is built unless a rule's input is that file."""

import re
from pathlib import Path

from conftest import REPO, snakemake, workflow_copy

from cxrcontrast.config import PAPER_CODE, SCHEMA, WORKFLOW_CONFIG, layer_files, shown_layers

RULES = REPO / "workflow/rules"
# the files that hold no rule: config, paths and targets, input functions, the report's facts
GLUE = ("config.smk", "paths.smk", "inputs.smk", "report_facts.smk")
READ_AT_ONCE = 120  # lines: the bound for what was common.smk


def workflow_text_files() -> list[Path]:
    return [REPO / "Snakefile", *sorted(RULES.glob("*.smk")), REPO / "src/cxrcontrast/__main__.py"]


def test_the_glue_is_split_by_job_into_files_read_at_once():
    names = {path.name for path in RULES.glob("*.smk")}
    assert "common.smk" not in names
    for name in GLUE:
        text = (RULES / name).read_text()
        assert len(text.splitlines()) <= READ_AT_ONCE, name
        assert not re.search(r"^rule \w+:", text, re.M), f"{name} holds a rule"


def test_the_snakefile_is_a_table_of_contents():
    """Directives, includes and `all` only: no Python statement of its own."""
    statements = [
        line
        for line in (REPO / "Snakefile").read_text().splitlines()
        if line and not line.startswith((" ", "#", "include:", "rule ", "localrules:", "report:", "configfile:"))
    ]
    assert statements == ["from snakemake.utils import min_version", 'min_version("9.0")']
    included = re.findall(r'^include: "workflow/rules/(\w+\.smk)"', (REPO / "Snakefile").read_text(), re.M)
    assert sorted(included) == sorted(path.name for path in RULES.glob("*.smk"))


def test_the_workflows_own_config_files_are_named_in_one_place():
    """config/config.yaml, the schema and paper_code.yaml: written in cxrcontrast.config.layers only; the
    Snakefile, its rules and the front door import them (a second copy is how they drift apart)."""
    for path in workflow_text_files():
        text = re.sub(r"#.*", "", path.read_text())  # code, not the comments that say which file is meant
        for name in (WORKFLOW_CONFIG, SCHEMA, PAPER_CODE):
            assert name not in text, f"{path.relative_to(REPO)} writes {name}"
    built = [path for path in workflow_text_files() if "layer_files(" in path.read_text()]
    assert [path.name for path in built] == ["config.smk", "__main__.py"]
    assert "overwrite_configfiles" not in (RULES / "report_facts.smk").read_text()


def test_the_layer_list_is_the_workflows_own_then_each_configfile(tmp_path, monkeypatch):
    assert layer_files(["a.yaml", Path("b.yaml")]) == [Path(WORKFLOW_CONFIG), Path("a.yaml"), Path("b.yaml")]
    assert layer_files(None, tmp_path) == [tmp_path / WORKFLOW_CONFIG]
    monkeypatch.chdir(tmp_path)
    outside = tmp_path.parent / "elsewhere.yaml"
    given = [tmp_path / "config/config.yaml", "config/config.yaml", tmp_path / "my.yaml", outside]
    assert shown_layers(given) == ["config/config.yaml", "my.yaml", str(outside)]


def test_a_dry_run_reads_no_finished_result(tmp_path):
    """Summaries and metrics of a finished run that cannot be read (not UTF-8, not JSON) change nothing a dry
    run plans or says: only --report reads them while the DAG is built."""
    work = workflow_copy(tmp_path)
    layers = ["--configfile", "config/config.yaml", "config/demo.yaml"]
    before = snakemake(work, "-n", "--quiet", "rules", *layers)
    for name in (
        "summary/summary.csv",
        "summary/summary.md",
        "metrics/minivgg/normal/train/labels1/seed0/metrics.json",
    ):
        path = work / "results/chest" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xfe not a result")
    after = snakemake(work, "-n", "--quiet", "rules", *layers)
    assert "not a result" not in after.stderr and "UnicodeDecodeError" not in after.stderr
    assert job_counts(after) == job_counts(before) != {}


def job_counts(dry_run) -> dict[str, int]:
    """The dry run's job stats: rule -> count."""
    said = dry_run.stdout + dry_run.stderr
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", said, re.M)}
