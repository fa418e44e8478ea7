"""Regenerate the README's report screenshots (docs/report-*.png) from a fresh default run on the sample.

    python docs/screenshots.py              # the sample run's report
    python docs/screenshots.py cn-policy    # the year chart of configs/cn-policy.toml (needs ../shared, a CJK font)

Needs the dev extras (playwright) and a Chromium on PATH (Debian: apt-get install chromium); nothing is
downloaded. The run goes to a temporary folder and is deleted afterwards.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from pipeline.config_files import load_config
from pipeline.runner import run

DOCS = Path(__file__).resolve().parent
# file name -> CSS selector of the part of the page it shows
SHOTS = {
    "report-summary.png": "header, #summary",
    "report-heatmap.png": "#heatmap, #mix",
    "report-theme.png": "#theme-security",
}
# The Chinese corpus's config, and its shots (docs/chinese.md)
CN_POLICY = DOCS.parent / "configs" / "cn-policy.toml"
CN_SHOTS = {"report-cn-policy-years.png": "#time"}


def main() -> int:
    chromium = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    if chromium is None:
        print("no Chromium on PATH (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    chinese = sys.argv[1:] == ["cn-policy"]
    with tempfile.TemporaryDirectory() as out, sync_playwright() as playwright:
        overrides = [f"output_dir={json.dumps(out)}"]
        config = load_config(CN_POLICY, overrides) if chinese else load_config(None, overrides)
        report = run(config).run_dir / "report.html"
        browser = playwright.chromium.launch(executable_path=chromium)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.goto(report.as_uri(), wait_until="load")
        for name, selector in (CN_SHOTS if chinese else SHOTS).items():
            boxes = [e.bounding_box() for e in page.locator(selector).all()]
            top, bottom = min(b["y"] for b in boxes), max(b["y"] + b["height"] for b in boxes)
            clip = {"x": 0, "y": max(top - 12, 0), "width": 1200, "height": bottom - top + 24}
            page.screenshot(path=str(DOCS / name), clip=clip, full_page=True)
            print(f"wrote {DOCS / name}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
