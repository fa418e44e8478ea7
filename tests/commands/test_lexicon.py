"""`themes lexicon suggest`: a planted corpus of four topics, a lexicon seeding two of them with one seed each."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import LexiconConfig
from pipeline.config_files import load_config
from pipeline.lexicon import load_lexicon
from pipeline.runner import run
from stages.planted import TOPIC_WORDS, planted_topic_corpus

SETTINGS = [
    "model.passes=20", "model.iterations=50", "model.num_topics=4", "lexicon.replace=true",
    'lexicon.themes={space = ["rocket"], fruit = ["apple"]}',
]  # fmt: skip


def planted_run(corpus: Path, out: Path, *extra: str) -> Path:
    settings = [f"ingest.path={json.dumps(str(corpus))}", f"output_dir={json.dumps(str(out))}", *SETTINGS, *extra]
    return run(load_config(None, settings)).run_dir


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[Path, Path]:
    corpus = tmp_path_factory.mktemp("planted")
    for name, text in planted_topic_corpus(4, n_paragraphs=80).items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus, planted_run(corpus, tmp_path_factory.mktemp("out"))


def test_suggest_writes_a_lexicon_with_counted_seeds_and_new_themes_for_uncovered_topics(planted):
    _, run_dir = planted
    result = CliRunner().invoke(app, ["lexicon", "suggest", str(run_dir)])
    assert result.exit_code == 0, result.output
    path = run_dir / "lexicon-suggested.toml"
    assert f"lexicon: {path}" in " ".join(result.output.split())
    assert "2 new themes from uncovered topics" in result.output
    lexicon = load_lexicon(LexiconConfig(path=str(path)))
    assert lexicon.themes["space"][0] == "rocket" and lexicon.themes["fruit"][0] == "apple"
    # Proposed seeds for a theme are its own topic's words.
    assert set(lexicon.themes["space"][1:]) <= set(TOPIC_WORDS[0].split()) and len(lexicon.themes["space"]) > 3
    assert set(lexicon.themes["fruit"][1:]) <= set(TOPIC_WORDS[1].split())
    new = {name: seeds for name, seeds in lexicon.themes.items() if name.startswith("topic_")}
    assert len(new) == 2
    # One new theme per unseeded topic (ocean, music), seeded with that topic's words.
    topic_of = {name: [i for i in (2, 3) if set(seeds) <= set(TOPIC_WORDS[i].split())] for name, seeds in new.items()}
    assert sorted(sum(topic_of.values(), [])) == [2, 3]
    text = path.read_text(encoding="utf-8")
    assert "# proposed: words concentrated" in text and "% of the corpus" in text and "# e.g. planted:" in text
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert "lexicon-suggested.toml" in manifest["outputs"]


def test_the_suggested_lexicon_runs_again_and_covers_the_corpus(planted, tmp_path):
    corpus, run_dir = planted
    out = tmp_path / "suggested.toml"
    result = CliRunner().invoke(app, ["lexicon", "suggest", str(run_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    again = planted_run(corpus, tmp_path / "again", f"lexicon.path={json.dumps(str(out))}", "lexicon.replace=false",
                        "lexicon.themes={}")  # fmt: skip
    audit = json.loads((again / "summary.json").read_text(encoding="utf-8"))["lexicon_audit"]
    assert audit["uncovered_topics"] == [] and audit["seed_token_share"] > 0.3
    assert tomllib.loads(out.read_text(encoding="utf-8"))["themes"].keys() == set(
        load_lexicon(LexiconConfig(path=str(again / "lexicon.toml"))).themes
    )


def test_suggest_on_a_folder_that_is_no_run_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(app, ["lexicon", "suggest", str(tmp_path)])
    assert result.exit_code == 1 and "not a run folder (no manifest.json)" in result.output
    assert "Traceback" not in result.output
