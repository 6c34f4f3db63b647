"""The README's picture of the report: its landing page in headless Chromium (`make report-screenshot`).

    python tests/browser/report_screenshot.py results/report.html docs/report.png

Needs chromium and chromedriver (tests/browser/install.sh). The picture is taken once the page has drawn its
landing text, at the window size tests/test_report.py uses, and written atomically.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from cxrcontrast.files import atomic_path

WIDTH, HEIGHT, MAX_HEIGHT = 1400, 2100, 4000  # the window: at least as tall as the landing page, within bounds
LANDED = "What was run"  # a heading of the landing page: drawn, the page is ready
TIMEOUT = 30.0
TALLEST = "return Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))"


def screenshot(report: Path, picture: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_AVOID_STATS"] = "true"  # no telemetry, no driver download: the machine may be offline
    opts = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", f"--window-size={WIDTH},{HEIGHT}"):
        opts.add_argument(arg)
    opts.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(options=opts, service=Service(shutil.which("chromedriver")))
    try:
        driver.get(report.resolve().as_uri())
        deadline = time.monotonic() + TIMEOUT
        while LANDED not in driver.execute_script("return document.body.textContent"):
            if time.monotonic() > deadline:
                raise SystemExit(f"{report}: no '{LANDED}' within {TIMEOUT:.0f} s; is it a finished run's report?")
            time.sleep(0.2)
        # the report centres its page in a window-high box that scrolls: content taller than the window is cut
        # off at the top, so the window is made as tall as the tallest content (within bounds)
        tallest = driver.execute_script(TALLEST)
        chrome = driver.execute_script("return window.outerHeight - window.innerHeight")
        driver.set_window_size(WIDTH, min(max(tallest + chrome, HEIGHT), MAX_HEIGHT))
        while driver.execute_script("return window.innerHeight") < min(tallest, MAX_HEIGHT - chrome):
            if time.monotonic() > deadline:
                raise SystemExit(f"{report}: the window did not grow to {tallest} px within {TIMEOUT:.0f} s")
            time.sleep(0.2)
        with atomic_path(picture) as tmp:
            tmp.write_bytes(driver.get_screenshot_as_png())
    finally:
        driver.quit()


if __name__ == "__main__":
    missing = [p for p in ("chromium", "chromedriver") if not shutil.which(p)]
    if len(sys.argv) != 3 or missing:
        sys.exit(f"usage: {sys.argv[0]} REPORT.html PICTURE.png (needs chromium, chromedriver; missing: {missing})")
    screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
