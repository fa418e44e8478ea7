"""pipeline/progress.py: plain progress lines off a terminal (a log gets a few, a quick stage none), and `--quiet`."""

from __future__ import annotations

import io

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.progress import LineReporter
from pipeline.stages.tokenize import tokenize
from pipeline.config import TokenizeConfig
from pipeline.types import Paragraph

from conftest import toml_string

ENV = {"COLUMNS": "80", "CI": "1"}  # as in a CI log: off a terminal


def set_options(overrides: list[str]) -> list[str]:
    return [arg for override in overrides for arg in ("--set", override)]


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lines_come_per_tenth_but_no_more_often_than_every_s():
    clock, stream = FakeClock(), io.StringIO()
    reporter = LineReporter(stream, every_s=5.0, clock=clock)
    reporter.start("model")
    for done in range(1, 101):
        clock.now += 1.0  # 100 s for 100 steps: a line per tenth, each at least 5 s after the last
        reporter.advance("model", done, 100)
    lines = stream.getvalue().splitlines()
    assert lines == [f"model      {d}/100 ({d}%)" for d in range(10, 101, 10)]


def test_a_quick_stage_prints_no_progress_and_a_stalled_one_prints_a_line_a_minute():
    clock, stream = FakeClock(), io.StringIO()
    reporter = LineReporter(stream, every_s=5.0, clock=clock)
    reporter.start("tokenize")
    for done in range(1, 11):
        clock.now += 0.1
        reporter.advance("tokenize", done, 10)
    assert stream.getvalue() == ""
    reporter.start("model")
    for done in range(1, 4):
        clock.now += 30.0  # 90 s within the first tenth
        reporter.advance("model", done, 1000)
    assert stream.getvalue().splitlines() == ["model      2/1000 (0%)"]


def test_tokenize_reports_each_chunk_in_order(monkeypatch):
    import pipeline.stages.chunks as chunks

    monkeypatch.setattr(chunks, "CHUNK_CHARS", 40)
    paragraphs = [
        Paragraph(doc_id="d", index=i, start=0, end=0, text=f"economic growth and trade number {i}")
        for i in range(12)
    ]
    calls = []
    watched = tokenize(paragraphs, TokenizeConfig(), progress=lambda done, total: calls.append((done, total)))
    assert watched.tokens == tokenize(paragraphs, TokenizeConfig()).tokens
    assert len(calls) > 2 and calls == [(d, calls[-1][1]) for d in range(1, calls[-1][1] + 1)]


def test_plain_lines_off_a_terminal_and_none_with_quiet(monkeypatch, tiny_corpus, write_corpus, tiny_run_overrides, tmp_path):
    import pipeline.progress

    monkeypatch.setattr(pipeline.progress, "LINE_EVERY_S", 0.0)  # every tenth, however quick the tiny run
    corpus = write_corpus(tiny_corpus)
    args = ["run", "--input", str(corpus), "--set", f"output_dir={toml_string(tmp_path)}", *set_options(tiny_run_overrides)]
    args += ["--set", "model.engine=gensim", "--set", "model.passes=10", "--set", "model.chunksize=1", "--no-cache"]
    result = CliRunner().invoke(app, args, env=ENV)
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if line.startswith("model ") and "%)" in line]
    assert progress and progress[-1].endswith("(100%)")
    done = [int(line.split()[1].split("/")[0]) for line in progress]
    assert done == sorted(done) and len(progress) <= 10
    assert "\x1b[" not in result.output  # plain text, no terminal codes
    quiet = CliRunner().invoke(app, [*args, "--quiet"], env=ENV)
    assert quiet.exit_code == 0, quiet.output
    assert "%)" not in quiet.output and "model " not in quiet.output and "outputs: " in quiet.output
