"""The sample run's report.html in headless Chromium, offline: it loads, asks for nothing over the network,
logs no console error, shows the heatmap and one section per theme, can be screenshotted and printed."""

from __future__ import annotations

import shutil
import struct

import pytest

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]' (it drives Chromium)"
)
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on PATH: this test drives Debian's `chromium` (apt-get install chromium; .ci/run does it "
    "where it is root or has sudo)",
)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def loaded(sample_run, tmp_path_factory):
    """Open the report once without a network; record every request, console error and page error."""
    report = sample_run.run_dir / "report.html"
    screenshot = tmp_path_factory.mktemp("browser") / "report.png"
    requests, errors = [], []
    with sync_api.sync_playwright() as playwright:
        # Debian's Chromium, not a browser download: nothing here may reach the network.
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            response = page.goto(report.as_uri(), wait_until="load")
            page.screenshot(path=str(screenshot), full_page=True)
            found = {
                "ok": response is not None and response.ok,
                "title": page.title(),
                "heatmap_cells": page.locator("#heatmap svg rect title").count(),
                "heatmap_height": page.locator("#heatmap svg").bounding_box()["height"],
                "themes": page.locator("section#themes article.theme").evaluate_all("els => els.map(e => e.id)"),
                "visible_themes": sum(a.is_visible() for a in page.locator("article.theme").all()),
                "marks": page.locator("article.theme mark").count(),
            }
            page.emulate_media(media="print")
            found["nav_printed"] = page.locator("nav").is_visible()
            found["pdf"] = page.pdf(format="A4")
        finally:
            browser.close()
    return {"url": report.as_uri(), "requests": requests, "errors": errors, "screenshot": screenshot, **found}


def test_report_loads_offline_without_network_requests_or_console_errors(loaded):
    assert loaded["ok"]
    assert loaded["requests"] == [loaded["url"]]  # the file itself, nothing else
    assert loaded["errors"] == []
    assert loaded["title"].startswith("Themes · default · ")


def test_heatmap_and_theme_sections_are_shown(loaded, sample_config):
    from pipeline.lexicon import load_lexicon

    themes = load_lexicon(sample_config.lexicon).names
    assert loaded["heatmap_cells"] == 5 * (len(themes) + 1)  # 5 documents x (themes + other)
    assert loaded["heatmap_height"] > 100
    assert loaded["themes"] == [f"theme-{t}" for t in themes]
    assert loaded["visible_themes"] == len(themes)
    assert loaded["marks"] >= len(themes)


def test_a_screenshot_of_the_whole_page_is_taken(loaded):
    data = loaded["screenshot"].read_bytes()
    width, height = png_size(data)
    assert width == 1280 and height > 3000
    assert len(data) > 100_000  # a page of charts and text, not a blank one


def test_the_page_prints_without_its_navigation(loaded):
    assert not loaded["nav_printed"]
    assert loaded["pdf"].startswith(b"%PDF") and len(loaded["pdf"]) > 50_000


def test_a_chinese_report_renders_its_words_in_a_cjk_font(tmp_path):
    """A run on Chinese text: the report loads offline, marks Chinese terms, and a CJK font draws them (glyphs of
    full width, not the narrow boxes a browser falls back to without one)."""
    import subprocess

    from test_chinese_run import CHINESE, OVERRIDES  # noqa: PLC0415  (the Chinese corpus the run tests use)

    from pipeline.config_files import load_config
    from pipeline.runner import run

    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    if not fonts.strip():
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk; .ci/run does it)")
    corpus = tmp_path / "zh"
    corpus.mkdir()
    for name, text in CHINESE.items():
        (corpus / name).write_text(text, encoding="utf-8")
    config = load_config(None, [f'ingest.path="{corpus}"', f'output_dir="{tmp_path / "out"}"', *OVERRIDES])
    report = run(config).run_dir / "report.html"
    errors = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_context(offline=True).new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(report.as_uri(), wait_until="load")
            marks = page.locator("article.theme mark").all_inner_texts()
            size = page.evaluate(
                "() => { const s = document.createElement('span'); s.style.fontSize = '20px';"
                " s.textContent = '网络安全'; document.body.appendChild(s); const r = s.getBoundingClientRect();"
                " return [r.width, r.height]; }"
            )
        finally:
            browser.close()
    assert errors == []
    assert any("\u4e00" <= c <= "\u9fff" for mark in marks for c in mark)
    assert size[0] >= 4 * 18  # four full-width glyphs of about 20 px each
