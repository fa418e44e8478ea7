"""report.html and charts/ of the sample run: contents in order, self-contained, rebuilt byte-identically by
`themes report`, optional sections from sweep/compare/stability files, HTML-escaped user text."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.store.manifest import sha256_file
from pipeline.cli import app
from pipeline.config_files import load_config
from pipeline.lexicon import load_lexicon
from pipeline.runner import run
from tests.conftest import toml_string

CHARTS = ("document_bars.svg", "heatmap.svg", "themes_over_time.svg")
# The issue's order: summary, heatmap, bars, per theme, topics, over time, sweep, similarity, coverage.
SECTIONS = ("summary", "heatmap", "mix", "themes", "topics", "time", "sweep", "similarity", "coverage")
ENV = {"COLUMNS": "80", "CI": "1"}


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], env=ENV)


@pytest.fixture(scope="module")
def html(sample_run) -> str:
    return (sample_run.run_dir / "report.html").read_text(encoding="utf-8")


@pytest.fixture
def run_copy(sample_run, tmp_path) -> Path:
    """A copy of the sample run folder that a test may change."""
    return Path(shutil.copytree(sample_run.run_dir, tmp_path / sample_run.run_id))


def section_order(html: str) -> list[str]:
    return re.findall(r'<section id="([a-z]+)"', html)


def test_every_run_writes_a_report_and_its_charts_listed_in_the_manifest(sample_run):
    run_dir = sample_run.run_dir
    assert sorted(p.name for p in (run_dir / "charts").iterdir()) == sorted(CHARTS)
    outputs = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    for name in ("report.html", *(f"charts/{c}" for c in CHARTS)):
        assert outputs[name] == sha256_file(run_dir / name), name


def test_report_sections_come_in_the_issue_order(html, sample_run):
    assert section_order(html) == ["summary", "heatmap", "mix", "themes", "topics", "time", "coverage"]
    assert sample_run.run_id in html


def test_summary_counts_paragraphs_kept_and_dropped_by_reason(html, sample_run):
    s = sample_run.summary
    assert f"<b>{s['paragraphs_kept']}</b><span>paragraphs kept of {s['paragraphs']}</span>" in html
    for reason, count in s["drop_reasons"].items():
        assert f"<tr><td><code>{reason}</code></td><td class=\"num\">{count}</td>" in html
    assert "<code>model.num_topics</code></td><td><code>10</code>" in html


def test_each_theme_has_its_terms_seed_marks_and_three_marked_paragraphs(html, sample_config):
    themes = load_lexicon(sample_config.lexicon).names
    articles = re.findall(r'<article class="theme" id="theme-([a-z_]+)"(.*?)</article>', html, flags=re.S)
    assert [name for name, _ in articles] == themes
    for name, body in articles:
        assert body.count("<blockquote>") == 3, name
        assert "<mark>" in body, name
        assert '<li class="seed"' in body, name


def test_every_chart_file_is_the_chart_in_the_page(html, sample_run):
    for name in CHARTS:
        svg = (sample_run.run_dir / "charts" / name).read_text(encoding="utf-8")
        assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
        assert svg in html, name


def test_report_is_self_contained_and_small(html, sample_run):
    assert (sample_run.run_dir / "report.html").stat().st_size < 5 * 1024 * 1024
    assert not re.search(r"<(script|link|img|iframe|object)\b", html)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "url(" not in html and "@import" not in html
    # The only URL is the SVG namespace name, an identifier browsers never fetch.
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}


def test_themes_report_rebuilds_the_same_bytes_without_refitting(run_copy, sample_run):
    (run_copy / "models").rename(run_copy / "models-moved")  # nothing is refitted or reloaded
    before = {p.relative_to(run_copy): p.read_bytes() for p in (run_copy / "charts").iterdir()}
    (run_copy / "report.html").unlink()
    shutil.rmtree(run_copy / "charts")
    result = invoke("report", run_copy)
    assert result.exit_code == 0, result.output
    assert (run_copy / "report.html").read_bytes() == (sample_run.run_dir / "report.html").read_bytes()
    assert {p.relative_to(run_copy): p.read_bytes() for p in (run_copy / "charts").iterdir()} == before
    assert f"wrote {run_copy / 'report.html'}" in result.output


def test_paragraphs_read_a_few_rows_at_a_time_give_the_same_report(run_copy, sample_run, monkeypatch):
    """paragraphs.csv is read in parts (a whole corpus's text would not fit): the parts' counts and best quotes
    must add up to what the whole table gives."""
    from pipeline.report import files

    parts = files.read_run_csv_parts
    monkeypatch.setattr(files, "read_run_csv_parts", lambda *args, **kw: parts(*args, **kw, part_rows=3))
    assert invoke("report", run_copy).exit_code == 0
    assert (run_copy / "report.html").read_bytes() == (sample_run.run_dir / "report.html").read_bytes()


def test_sweep_similarity_and_stability_appear_when_their_files_exist(run_copy, tmp_path):
    documents = pd.read_csv(run_copy / "documents.csv", keep_default_na=False)
    ids = list(documents["doc_id"])
    (run_copy / "compare").mkdir()
    similarity = pd.DataFrame([[1.0 if a == b else 0.5 for b in ids] for a in ids], columns=ids)
    similarity.insert(0, "doc_id", ids)
    similarity.to_csv(run_copy / "compare" / "similarity.csv", index=False)
    pd.DataFrame({"theme": ["security"], "stability": [0.8125]}).to_csv(run_copy / "theme_stability.csv", index=False)
    sweep = tmp_path / "sweep-1"
    sweep.mkdir()
    pd.DataFrame(
        {
            "kind": ["fit", "fit", "k", "k"],
            "k": [8, 10, 8, 10],
            "seed": [1, 1, "", ""],
            "c_v": [0.41, 0.45, 0.41, 0.45],
            "perplexity": [900.0, 880.0, 900.0, 880.0],
            "recommended": [False, False, False, True],
        }
    ).to_csv(sweep / "sweep.csv", index=False)
    result = invoke("report", run_copy, "--sweep", sweep / "sweep.csv")  # the file or its folder
    assert result.exit_code == 0, result.output
    html = (run_copy / "report.html").read_text(encoding="utf-8")
    assert section_order(html) == list(SECTIONS)
    assert "stability <b>0.812</b>" in html
    assert "recommended K = 10" in html and "sweep-1" in html
    assert (run_copy / "charts" / "sweep.svg").is_file() and (run_copy / "charts" / "similarity.svg").is_file()
    # Rebuilt without the sweep: its chart and manifest entry go, so the manifest still matches the folder.
    assert invoke("report", run_copy).exit_code == 0
    assert not (run_copy / "charts" / "sweep.svg").exists()
    outputs = json.loads((run_copy / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    assert "charts/sweep.svg" not in outputs
    assert outputs["charts/similarity.svg"] == sha256_file(run_copy / "charts" / "similarity.svg")
    assert outputs["report.html"] == sha256_file(run_copy / "report.html")


def test_report_errors_are_one_line(tmp_path, run_copy):
    result = invoke("report", tmp_path / "no-such-run")
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        f"error: {tmp_path / 'no-such-run'}: not a run folder (expected outputs/<experiment>/<run-id>/)"
    ]
    result = invoke("report", run_copy, "--sweep", tmp_path)
    assert result.exit_code == 1 and "sweep.csv: missing" in result.output and "Traceback" not in result.output
    (run_copy / "manifest.json").unlink()
    result = invoke("report", run_copy)
    assert result.exit_code == 1 and "manifest.json: missing" in result.output


def test_text_from_documents_is_escaped(write_corpus, tiny_corpus, tiny_run_overrides, tmp_path):
    hostile = (
        '<img src=x onerror="alert(1)"> Security & <b>news</b>\n\n'
        "<script>alert('x')</script> Network security and data security protect personal information.\n\n"
        "Network security experts guard critical information infrastructure from every cyber attack.\n"
    )
    corpus = write_corpus({**tiny_corpus, "d_hostile.txt": hostile}, folder="hostile")
    overrides = [*tiny_run_overrides, "report.paragraphs_per_theme=5", f"ingest.path={toml_string(corpus)}",
                 f"output_dir={toml_string(tmp_path)}"]
    html = (run(load_config(None, overrides)).run_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html and "<b>news" not in html
    quoted = html.replace("<mark>", "").replace("</mark>", "")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Network security and" in quoted  # a quote
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Security &amp; &lt;b&gt;news&lt;/b&gt;" in html  # a title


def test_report_can_be_turned_off(tiny_corpus_dir, tiny_run_overrides, tmp_path):
    overrides = [*tiny_run_overrides, "report.enabled=false", f"ingest.path={toml_string(tiny_corpus_dir)}",
                 f"output_dir={toml_string(tmp_path)}"]
    run_dir = run(load_config(None, overrides)).run_dir
    assert not (run_dir / "report.html").exists() and not (run_dir / "charts").exists()


def test_the_lexicon_audit_section_shows_when_summary_json_exists(html, run_copy):
    assert "What the lexicon does not cover" in html and "0 of 10 topics" in html
    (run_copy / "summary.json").unlink()  # a run folder from before the audit
    assert invoke("report", run_copy).exit_code == 0
    assert "What the lexicon does not cover" not in (run_copy / "report.html").read_text(encoding="utf-8")
    (run_copy / "summary.json").write_text('{"lexicon_audit": []}', encoding="utf-8")
    result = invoke("report", run_copy)
    assert result.exit_code == 1 and "summary.json: expected a lexicon_audit object" in " ".join(result.output.split())
