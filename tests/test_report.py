"""The HTML report of a tiny finished run, opened from a copied file in a real (headless) browser.

It must show the landing text, every category with at least one figure or table that loads, a
caption for every result, no JavaScript error, and fetch nothing from outside the file.
Needs Debian's chromium and chromium-driver (tests/browser/install.sh; CI runs it and sets
CXR_BROWSER=1, which turns a missing browser into a failure instead of a skip).
"""

import html
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import TINY_LAYERS, snakemake

pytestmark = [pytest.mark.workflow, pytest.mark.slow]
CATEGORIES = {  # category -> (subcategory to open (one per dataset), or None; what its first result shows)
    "data": ("chest", "img"),
    "pretraining": ("chest/minivgg", "img"),
    "classification": ("chest/minivgg/none/train/labels1", "img"),
    "summary": ("chest", "img"),
    "runtime": (None, "iframe"),
}
EVERY_RESULT = {  # what the report must list, by file name: a result dropped from the report fails the test
    "augmentation_examples.png",
    "datasets.png",
    "tsne.png",
    "embedding_quality.png",
    "confusion.png",
    "auc.png",
    "curves.png",
    "reliability.png",
    "figure13.png",
    "label_efficiency.png",
    "summary.html",
    "metrics.html",
    "comparisons.html",
    "embedding_table.html",
    "official.html",
    "fidelity.html",
    "protocols.html",
    "robustness.html",
    "robustness.png",
    "runtime.html",
}
PER_EXPERIMENT = {"confusion.png", "auc.png", "curves.png", "reliability.png"}
PAGE_TEXT = "return document.body.textContent.replace(/\\s+/g, ' ')"  # rendered text, scrolled or not


def browser():
    missing = [p for p in ("chromium", "chromedriver") if not shutil.which(p)]
    if missing:
        if os.environ.get("CXR_BROWSER") == "1":
            pytest.fail(f"CXR_BROWSER=1 but {missing} not on the PATH (tests/browser/install.sh installs them)")
        pytest.skip(f"needs {missing}: run tests/browser/install.sh (Debian, root) or install chromium and its driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_AVOID_STATS"] = "true"  # no telemetry, no driver download: the machine may be offline
    opts = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        opts.add_argument(arg)
    opts.binary_location = shutil.which("chromium")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(options=opts, service=Service(shutil.which("chromedriver")))


def wait_for(find, timeout=10.0):
    """``find()``'s first truthy answer within ``timeout``; an element replaced while the page re-renders
    (stale, or covered for a moment) is looked for again."""
    from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException

    end = time.time() + timeout
    while True:
        try:
            found = find()
        except (StaleElementReferenceException, ElementClickInterceptedException):
            found = None
        if found or time.time() > end:
            return found
        time.sleep(0.1)


def click(d, xpath: str, what: str) -> None:
    """Click the first element at ``xpath`` once it is there (re-found if the page re-rendered it)."""
    assert wait_for(lambda: d.find_elements("xpath", xpath) and (d.find_elements("xpath", xpath)[0].click() or True)), (
        f"{what} missing"
    )


# A layer file name and a data.npz path that carry HTML and docutils directives (issue 22): the report
# must show them as text, run no script and include no file.
HOSTILE = "y.yaml\n\n.. raw:: html\n\n   <img src=x onerror=alert(2)>\n\n.. include:: secret.txt\n\nz.yaml"
HOSTILE_NPZ = HOSTILE.replace("y.yaml", "d.npz")
SECRET = "TOP-SECRET-TEXT-0451"


@pytest.fixture(scope="module")
def report(finished_grid, tmp_path_factory) -> Path:
    """The tiny run's report, with one more layer under a hostile name that points data.npz at the run's own
    demo data under a hostile name (the results stay the run's); those files are removed afterwards."""
    import yaml

    planted = [finished_grid / name for name in (HOSTILE, HOSTILE_NPZ, "secret.txt")]
    shutil.copy(finished_grid / "results/chest/data/raw/demo.npz", planted[1])
    planted[0].write_text(yaml.safe_dump({"datasets": {"chest": {"source": "npz", "npz": HOSTILE_NPZ}}}))
    planted[2].write_text(SECRET)
    try:
        snakemake(finished_grid, "--configfile", *TINY_LAYERS, HOSTILE, "--report", "results/report.html")
    finally:
        for path in planted:
            path.unlink()
    copied = tmp_path_factory.mktemp("copied") / "report.html"  # works from a copied file, away from results/
    shutil.copy(finished_grid / "results/report.html", copied)
    return copied


def test_the_report_in_a_real_browser(report, tmp_path):
    d = browser()
    try:
        d.get(report.as_uri())
        body = wait_for(lambda: "What was run" in d.execute_script(PAGE_TEXT) and d.execute_script(PAGE_TEXT))
        for phrase in (
            "Supervised contrastive pretraining on chest X-rays",
            "What was run",
            "How to read it",
            "Config layers: config/config.yaml, config/demo.yaml, tiny.yaml, y.yaml\\n\\n.. raw:: html",
            "chestmnist (a local file (d.npz\\n\\n.. raw:: html",
            "<img src=x onerror=alert(2)>\\n\\n.. include:: secret.txt\\n\\nz.yaml (later",
            "Experiments: 7",
            "follows the paper's text",
        ):
            assert phrase in body, phrase
        assert_inert(d)
        d.set_window_size(1400, 2100)  # tall enough for the whole landing page
        d.save_screenshot(str(tmp_path / "landing.png"))  # the test's artifact
        d.set_window_size(1400, 1000)
        results = d.execute_script("return results")
        categories = d.execute_script("return categories")
        assert set(CATEGORIES) <= set(categories), sorted(categories)
        assert EVERY_RESULT <= {Path(p).name for p in results}, EVERY_RESULT - {Path(p).name for p in results}
        for experiment, shown in categories["classification"].items():
            assert PER_EXPERIMENT <= {Path(p).name for p in shown}, experiment
        missing = [path for path, r in results.items() if len(r["caption"].strip()) < 40]
        assert not missing, f"results without a caption: {missing}"
        for category, (subcategory, kind) in CATEGORIES.items():
            shown = categories[category][subcategory or "Other"]
            captions = [
                " ".join(html.unescape(re.sub(r"<[^>]+>", "", results[path]["caption"])).split())[:30] for path in shown
            ]
            # a category of one subcategory lists its results at once (Snakemake's isSingleSubcategory)
            many = len(categories[category]) > 1
            check_category(d, category, subcategory if many else None, kind, captions)
        severe = [entry for entry in d.get_log("browser") if entry["level"] == "SEVERE"]
        assert not severe, severe
        fetched = {
            json.loads(e["message"])["message"]["params"]["request"]["url"].split(":", 1)[0]
            for e in d.get_log("performance")
            if '"Network.requestWillBeSent"' in e["message"]
        }
        assert fetched <= {"file", "data", "blob", "about"}, fetched  # nothing from outside the file
    finally:
        d.quit()


def assert_inert(d) -> None:
    """The hostile names are text: no alert open, no element made from them, no file included."""
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        d.switch_to.alert.text  # noqa: B018  (reading it is what raises when there is none)
    assert d.execute_script("return document.querySelectorAll('img[onerror], img[src=\"x\"]').length") == 0
    assert SECRET not in d.page_source and SECRET not in d.execute_script(PAGE_TEXT)


def check_category(d, category: str, subcategory: str | None, kind: str, captions: list[str]) -> None:
    """Open the category (and subcategory) from the start page, view its first result, read its caption
    (one of ``captions``, the beginnings of the captions of the results listed there)."""
    from selenium.webdriver.common.by import By

    d.get(d.current_url.split("#")[0])
    click(d, f"//nav//a[span[normalize-space()='{category}']]", f"category {category}")
    if subcategory:
        click(d, f"//nav//a[span[normalize-space()='{subcategory}']]", f"{category}: subcategory {subcategory}")
    elif wait_for(lambda: d.find_elements(By.XPATH, "//nav//a[span[normalize-space()='Other']]"), timeout=1):
        click(d, "//nav//a[span[normalize-space()='Other']]", f"{category}: its results")
    click(d, "//nav//a[@iconname='eye']", f"{category}: a result to view")
    shown = wait_for(lambda: d.find_elements(By.XPATH, f"//*[not(ancestor::nav)][self::{kind}]"))
    assert shown, f"{category}: its first result shows no {kind}"
    if kind == "img":
        width = wait_for(
            lambda: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", shown[0])
        )
        assert width and width > 0, f"{category}: the image did not load"
    else:  # a table page in a frame
        d.switch_to.frame(shown[0])
        rows = len(d.find_elements(By.TAG_NAME, "tr"))
        d.switch_to.default_content()
        assert rows > 1, f"{category}: the table is empty"
    click(d, "//nav//a[@iconname='information-circle']", f"{category}: the result's description")
    assert wait_for(lambda: any(c in d.execute_script(PAGE_TEXT) for c in captions)), f"{category}: caption missing"


def test_a_report_of_results_made_with_other_settings_names_the_keys(finished_grid):
    """Issue 22, item 4: every result is there, but made with 2 pretraining epochs; a layer says 5. The report
    would describe 5: refused, naming the experiment and the differing key with both values."""
    (finished_grid / "epochs.yaml").write_text("pretrain:\n  normal: {epochs: 5}\n")
    proc = snakemake(finished_grid, "--report", "stale.html", "--configfile", *TINY_LAYERS, "epochs.yaml", check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "minivgg/normal/train/labels1 seed 0" in text, text[-2000:]
    assert "made with other settings than this config: pretrain.block.epochs (2 recorded, 5 in this config)" in text
    assert not (finished_grid / "stale.html").exists()


def test_a_report_of_other_layers_than_the_run_says_which(finished_grid):
    """The tiny run's results under the default layers: not a missing file's traceback, but which layers."""
    proc = snakemake(finished_grid, "--report", "other.html", check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "give --report the --configfile layers the run used" in text, text[-2000:]
    assert not (finished_grid / "other.html").exists()
