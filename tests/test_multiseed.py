"""`model.seeds` > 1: interval columns in documents.csv, theme/topic stability files, identical bytes per config."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import TINY_RUN_OVERRIDES, write_tiny_corpus

from pipeline.cli import app
from pipeline.config_files import load_config
from pipeline.lexicon import load_lexicon
from pipeline.runner import run

SEEDS = 5
STABILITY_COLUMNS = ["theme", "stability", "labeled_share", "top_terms_agreement", "topic_stability", "mean_interval"]
COMPARED = ("paragraphs.csv", "documents.csv", "topics.csv", "theme_stability.csv", "topic_stability.csv",
            "document_seeds.csv")


def tiny_config(corpus_dir, output_dir):
    return load_config(
        None,
        [f"ingest.path={json.dumps(str(corpus_dir))}", f"output_dir={json.dumps(str(output_dir))}",
         *TINY_RUN_OVERRIDES, f"model.seeds={SEEDS}"],
    )


@pytest.fixture(scope="module")
def multiseed_runs(tmp_path_factory):
    """The same 5-seed config on the tiny corpus, run in 2 processes and in this one."""
    root = tmp_path_factory.mktemp("multiseed")
    corpus = write_tiny_corpus(root / "corpus")
    config = tiny_config(corpus, root / "a")
    return config, run(config, n_jobs=2), run(tiny_config(corpus, root / "b"), n_jobs=1)


def read(run_dir, name):
    return pd.read_csv(run_dir / name, keep_default_na=False)


def test_documents_gain_an_interval_that_holds_the_mean(multiseed_runs):
    config, result, _ = multiseed_runs
    documents = read(result.run_dir, "documents.csv")
    columns = [*load_lexicon(config.lexicon).names, "other"]
    for column in columns:
        lo, mean, hi = documents[f"{column}_lo"], documents[column], documents[f"{column}_hi"]
        assert (lo <= mean).all() and (mean <= hi).all(), column
    assert list(documents.columns).index("other_hi") < list(documents.columns).index("top_terms")
    assert documents[columns].sum(axis=1).round(6).eq(1.0).all()


def test_theme_and_topic_stability_files(multiseed_runs):
    config, result, _ = multiseed_runs
    themes = read(result.run_dir, "theme_stability.csv")
    assert list(themes.columns) == STABILITY_COLUMNS
    assert themes["theme"].tolist() == load_lexicon(config.lexicon).names
    scores = pd.to_numeric(themes["stability"])  # empty (NaN) for a theme no seed gives a topic
    assert scores.dropna().between(0, 1).all() and themes["labeled_share"].between(0, 1).all()
    assert (scores.isna() == (themes["labeled_share"] == 0)).all()
    topics = read(result.run_dir, "topic_stability.csv")
    assert topics["topic"].tolist() == list(range(result.summary["topics"]))
    assert topics["matched"].str.count(":").eq(SEEDS - 1).all()
    assert result.summary["seeds"] == SEEDS and set(result.summary["theme_stability"]) == set(themes["theme"])


def test_a_warning_from_the_seeds_worker_processes_reaches_the_manifest_once(multiseed_runs):
    # The tiny corpus has fewer paragraphs than model.num_topics: every seed's fit warns, in worker processes.
    _, parallel, serial = multiseed_runs
    for result in (parallel, serial):
        manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
        assert [w["reason"] for w in manifest["warnings"]].count("num_topics") == 1


def test_the_same_multiseed_config_gives_the_same_bytes_whatever_the_processes(multiseed_runs):
    _, parallel, serial = multiseed_runs
    for name in COMPARED:
        assert (parallel.run_dir / name).read_bytes() == (serial.run_dir / name).read_bytes(), name


def test_a_single_seed_run_has_no_interval_columns_or_stability_files(sample_run):
    documents = read(sample_run.run_dir, "documents.csv")
    assert not [c for c in documents.columns if c.endswith(("_lo", "_hi"))]
    assert not (sample_run.run_dir / "theme_stability.csv").exists()
    assert sample_run.summary["theme_stability"] == {}


def test_cli_run_prints_theme_stability(tiny_corpus_dir, tiny_run_overrides, tmp_path):
    overrides = [f"output_dir={json.dumps(str(tmp_path))}", *tiny_run_overrides, "model.seeds=2"]
    result = CliRunner().invoke(
        app,
        ["run", "--input", str(tiny_corpus_dir), "--jobs", "1", *[a for o in overrides for a in ("--set", o)]],
        env={"COLUMNS": "80", "CI": "1"},
    )
    assert result.exit_code == 0, result.output
    assert "theme stability over 2 seeds (least stable first): " in result.output


def test_each_seed_replicate_s_document_weights_are_kept_and_average_to_documents_csv(multiseed_runs):
    config, result, _ = multiseed_runs
    documents = read(result.run_dir, "documents.csv")
    seeds = read(result.run_dir, "document_seeds.csv")
    columns = [*load_lexicon(config.lexicon).names, "other"]
    assert list(seeds.columns) == ["doc_id", "seed", *columns]
    assert sorted(seeds["seed"].unique()) == list(range(config.seed, config.seed + SEEDS))
    mean = seeds.groupby("doc_id", sort=False)[columns].mean().loc[documents["doc_id"]]
    assert abs(mean.to_numpy() - documents[columns].to_numpy()).max() < 1e-7
