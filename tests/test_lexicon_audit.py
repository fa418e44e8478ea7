"""The lexicon audit in a whole run: a planted corpus of four topics and a lexicon seeding two of them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from stages.planted import TOPIC_WORDS, planted_topic_corpus

# Seeds for the first two planted topics (space, fruit); ocean and music have no theme.
THEMES = 'lexicon.themes={space = ["rocket", "satellite", "orbit"], fruit = ["apple", "banana", "orchard"]}'
FAST = ["model.passes=20", "model.iterations=50", "lexicon.replace=true", THEMES, "report.enabled=true"]
UNSEEDED = set(TOPIC_WORDS[2].split()) | set(TOPIC_WORDS[3].split())


def toml_string(value) -> str:
    return json.dumps(str(value))


@pytest.fixture(scope="module")
def planted_corpus(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("planted")
    for name, text in planted_topic_corpus(4, n_paragraphs=80).items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


def run_with_k(corpus: Path, out: Path, k: int, *extra: str) -> tuple[Path, str]:
    settings = [f"ingest.path={toml_string(corpus)}", f"output_dir={toml_string(out)}", f"model.num_topics={k}", *FAST]
    settings += extra
    result = CliRunner().invoke(app, ["run", *(a for s in settings for a in ("--set", s))])
    assert result.exit_code == 0, result.output
    run_dir = Path(result.output.split("outputs: ")[1].split()[0])
    return run_dir, result.output


@pytest.fixture(scope="module")
def runs_by_k(planted_corpus, tmp_path_factory) -> dict[int, tuple[Path, str]]:
    out = tmp_path_factory.mktemp("out")
    return {k: run_with_k(planted_corpus, out, k) for k in (2, 4)}


def test_topics_no_seed_reaches_are_listed_in_the_csv_summary_json_report_and_printed_summary(runs_by_k):
    run_dir, output = runs_by_k[4]
    table = pd.read_csv(run_dir / "uncovered_topics.csv", keep_default_na=False)
    assert list(table.columns) == ["topic", "share", "seed_mass", "theme", "nearest_theme", "similarity", "top_terms"]
    assert len(table) == 2 and table["share"].sum() == pytest.approx(0.5, abs=0.05)
    for terms in table["top_terms"]:
        words = {cell.split(":")[0] for cell in terms.split("; ")}
        assert words <= UNSEEDED
    audit = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["lexicon_audit"]
    assert [t["topic"] for t in audit["uncovered_topics"]] == table["topic"].tolist()
    assert audit["uncovered_topic_share"] == pytest.approx(table["share"].sum(), abs=1e-6)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert {"uncovered_topics.csv", "summary.json"} <= set(manifest["outputs"])
    assert "2 of 4 topics (50% of topic mass) reached by no theme's seeds" in " ".join(output.split())
    assert "uncovered topics (share, top terms" in output
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "What the lexicon does not cover" in report and table["top_terms"][0].split(":")[0] in report


def test_a_corpus_mostly_outside_the_lexicon_warns_that_coverage_is_low(planted_corpus, runs_by_k, tmp_path):
    assert "covers little" not in runs_by_k[4][1]  # half the corpus uncovered: listed, not yet warned about
    _, output = run_with_k(planted_corpus, tmp_path, 4, 'lexicon.themes={space = ["rocket", "satellite", "orbit"]}')
    assert "warning: lexicon: covers little of the corpus: 75% of the topic mass is in 3 of 4 topics" in " ".join(
        output.split()
    )


def test_changing_k_changes_the_coverage_table(runs_by_k):
    tables = {k: pd.read_csv(run_dir / "uncovered_topics.csv") for k, (run_dir, _) in runs_by_k.items()}
    audits = {
        k: json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["lexicon_audit"]
        for k, (run_dir, _) in runs_by_k.items()
    }
    assert len(audits[2]["topics"]) == 2 and len(audits[4]["topics"]) == 4
    assert not tables[2].equals(tables[4])
    assert [t["seed_mass"] for t in audits[2]["topics"]] != [t["seed_mass"] for t in audits[4]["topics"]]


def test_the_same_config_writes_the_same_audit_bytes(planted_corpus, runs_by_k, tmp_path):
    again, _ = run_with_k(planted_corpus, tmp_path, 4)
    first = runs_by_k[4][0]
    for name in ("uncovered_topics.csv", "summary.json"):
        assert (again / name).read_bytes() == (first / name).read_bytes(), name


def test_themes_diff_of_two_k_shows_the_coverage_change(runs_by_k, tmp_path):
    (run_2, _), (run_4, _) = runs_by_k[2], runs_by_k[4]
    result = CliRunner().invoke(app, ["diff", str(run_2), str(run_4), "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    printed = " ".join(result.output.split())
    assert "lexicon coverage: topics no theme's seeds reach:" in printed and "2 of 4 in B (50%)" in printed
    summary = json.loads((tmp_path / "d" / "summary.json").read_text(encoding="utf-8"))
    assert summary["lexicon_coverage"]["b"] == {"uncovered_topic_share": pytest.approx(0.5, abs=0.05),
                                                "n_uncovered_topics": 2, "n_topics": 4}  # fmt: skip
