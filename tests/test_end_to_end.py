"""The whole pipeline on the bundled sample: files, exact offsets, weights summing to 1, no boilerplate, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.store.manifest import sha256_file
from pipeline.config import CacheConfig
from pipeline.config_files import load_config
from pipeline.lexicon import load_lexicon
from pipeline.runner import run
from pipeline.stages.ingest import sample_corpus_dir

CSV_FILES = ("paragraphs.csv", "documents.csv", "topics.csv", "lexicon_coverage.csv", "uncovered_topics.csv", "summary.json")
CHART_FILES = ("charts/heatmap.svg", "charts/document_bars.svg", "charts/themes_over_time.svg")
# Lines the sample repeats under its articles (news teasers) and page furniture: never kept text.
BOILERPLATE_PREFIXES = (
    "Release time",
    "The overall stable operation of domestic prices",
    "Micro Video |",
    "Study every day |",
    "June 11th is China Population Day",
)


def read_table(run_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(run_dir / name, keep_default_na=False, dtype={"text": str, "title": str, "source": str})


@pytest.fixture(scope="module")
def paragraphs(sample_run) -> pd.DataFrame:
    return read_table(sample_run.run_dir, "paragraphs.csv")


@pytest.fixture(scope="module")
def documents(sample_run) -> pd.DataFrame:
    return read_table(sample_run.run_dir, "documents.csv")


@pytest.fixture(scope="module")
def theme_columns(sample_config) -> list[str]:
    return [*load_lexicon(sample_config.lexicon).names, "other"]


def report_text(run_dir: Path) -> str:
    """report.html with what names this very run (its id, time, config hash) replaced: the rest must not vary."""
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    for key in ("run_id", "created_utc", "config_hash"):
        text = text.replace(manifest[key][:12] if key == "config_hash" else manifest[key], f"<{key}>")
    return text


def kept_lines(paragraphs: pd.DataFrame) -> list[str]:
    kept = paragraphs[paragraphs["status"] == "kept"]
    return [line.strip() for text in kept["text"] for line in text.splitlines()]


def test_run_folder_holds_every_output(sample_run, sample_config):
    run_dir = sample_run.run_dir
    assert run_dir.parent == Path(sample_config.output_dir) / sample_config.experiment
    assert run_dir.name == sample_run.run_id
    for name in ("config.toml", "manifest.json", *CSV_FILES):
        assert (run_dir / name).is_file(), name
    assert (run_dir / "models").is_dir() and any((run_dir / "models").iterdir())
    assert not [p for p in run_dir.parent.iterdir() if p.name.startswith(".tmp-")]


def test_saved_config_reloads_to_the_same_config(sample_run, sample_config):
    assert load_config(sample_run.run_dir / "config.toml") == sample_config


def test_manifest_records_inputs_and_output_hashes(sample_run, sample_config):
    manifest = json.loads((sample_run.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == sample_run.run_id
    assert manifest["config_hash"] == sample_config.hash()
    assert manifest["seed"] == sample_config.seed
    sample_files = sorted(sample_corpus_dir().glob("*.txt"))
    assert [Path(i["source"]) for i in manifest["inputs"]] == [p.resolve() for p in sample_files]
    assert [i["sha256"] for i in manifest["inputs"]] == [sha256_file(p) for p in sample_files]
    for name in CSV_FILES + ("config.toml",):
        assert manifest["outputs"][name] == sha256_file(sample_run.run_dir / name)
    assert [f["path"] for f in manifest["input_files"]] == [str(p.resolve()) for p in sample_files]
    assert [f["sha256"] for f in manifest["input_files"]] == [sha256_file(p) for p in sample_files]
    assert manifest["working_dir"] == os.getcwd()


def test_every_paragraph_slices_its_source_file(paragraphs):
    assert len(paragraphs) > 0
    sources = {s: Path(s).read_bytes().decode("utf-8-sig") for s in set(paragraphs["source"])}
    assert len(sources) == 5
    for row in paragraphs.itertuples():
        assert sources[row.source][row.start : row.end] == row.text, (row.doc_id, row.paragraph)


def test_paragraph_theme_weights_sum_to_one(paragraphs, theme_columns):
    assert [c for c in paragraphs.columns if c in theme_columns] == theme_columns
    weights = paragraphs[theme_columns].to_numpy(dtype=float)
    assert ((weights >= 0) & (weights <= 1 + 1e-9)).all()
    assert abs(weights.sum(axis=1) - 1).max() <= 1e-6


def test_document_theme_weights_sum_to_one(documents, theme_columns):
    assert len(documents) == 5
    weights = documents[theme_columns].to_numpy(dtype=float)
    assert abs(weights.sum(axis=1) - 1).max() <= 1e-6


def test_documents_have_titles_and_dates(documents):
    assert documents["date"].tolist() == ["2024-04-14", "2024-04-14", "2024-04-14", "", "2023-03-02"]
    assert documents["title"].iloc[4] == "Promoting Chinese-style modernization with informatization"
    assert all(documents["title"])


def test_page_titles_are_not_kept(paragraphs, documents):
    lines = set(kept_lines(paragraphs))
    for title in documents["title"]:
        assert title not in lines
    title_rows = paragraphs[paragraphs["status"] == "title"]
    assert len(title_rows) > len(documents)  # the first article repeats its title as a page header


def test_release_lines_and_teasers_are_not_kept(paragraphs):
    for line in kept_lines(paragraphs):
        assert not line.startswith(BOILERPLATE_PREFIXES), line
    dropped = paragraphs[paragraphs["status"] != "kept"]["text"]
    for prefix in BOILERPLATE_PREFIXES:
        assert dropped.str.startswith(prefix).any(), f"the sample has no dropped {prefix!r} line"


def test_a_second_run_is_byte_identical(sample_run, sample_config):
    again = run(sample_config)
    assert again.run_dir != sample_run.run_dir
    for name in CSV_FILES + CHART_FILES:
        assert (again.run_dir / name).read_bytes() == (sample_run.run_dir / name).read_bytes(), name
    assert report_text(again.run_dir) == report_text(sample_run.run_dir)


def test_runs_in_processes_with_different_hash_seeds_are_byte_identical(sample_run, tmp_path):
    processes = {}
    for hash_seed in ("1", "2"):
        output_dir = tmp_path / f"hashseed-{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "CI": "1"}
        command = [sys.executable, "-m", "pipeline", "run", "--set", f"output_dir={json.dumps(str(output_dir))}"]
        processes[hash_seed] = (
            output_dir,
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        )
    run_dirs = []
    for output_dir, process in processes.values():
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        (run_dir,) = (output_dir / "default").iterdir()
        run_dirs.append(run_dir)
    for name in CSV_FILES + CHART_FILES:
        first = (run_dirs[0] / name).read_bytes()
        assert first == (run_dirs[1] / name).read_bytes(), name
        assert first == (sample_run.run_dir / name).read_bytes(), name
    assert report_text(run_dirs[0]) == report_text(run_dirs[1]) == report_text(sample_run.run_dir)
    # Every other output, the gensim model pickles included, so `themes reproduce` can compare them all;
    # config.toml differs only by the output_dir each process was given, report.html by the run's id and time.
    hashes = [json.loads((d / "manifest.json").read_text(encoding="utf-8"))["outputs"] for d in run_dirs]
    for outputs in hashes:
        del outputs["config.toml"], outputs["report.html"]
    assert hashes[0] == hashes[1] and any(name.startswith("models/") for name in hashes[0])


def test_two_worker_processes_give_byte_identical_outputs(sample_run, sample_config):
    # The sample sits below the "auto" threshold, so sample_run tokenized in-process: 2 workers split it in two.
    assert sample_config.workers == 0
    # Without the stage cache, which would hand back sample_run's tokens.
    parallel = run(sample_config.model_copy(update={"workers": 2, "cache": CacheConfig(enabled=False)}))
    for name in (*CSV_FILES, "theme_terms.csv", "config.toml"):
        assert (parallel.run_dir / name).read_bytes() == (sample_run.run_dir / name).read_bytes(), name
    outputs = [json.loads((d / "manifest.json").read_text(encoding="utf-8"))["outputs"] for d in (parallel.run_dir, sample_run.run_dir)]
    for hashes in outputs:
        del hashes["report.html"]  # holds the run's id and time
    assert outputs[0] == outputs[1]


def test_a_sampled_model_fitted_beside_gives_the_outputs_of_one_process(sample_run, sample_config):
    # Topics fitted on 100 of the sample's paragraphs, the others folded in: in a second process (workers = 2)
    # or in this one (workers = 1), the same bytes; the theme weights are the default run's either way.
    sampled = sample_config.model_copy(
        update={"model": sample_config.model.model_copy(update={"max_paragraphs": 100}), "cache": CacheConfig(enabled=False)}
    )
    runs = [run(sampled.model_copy(update={"workers": workers})) for workers in (1, 2)]
    stages = [{s["name"]: s for s in json.loads((r.run_dir / "manifest.json").read_text())["stages"]} for r in runs]
    assert [s["model"].get("fitted_beside", False) for s in stages] == [False, True]
    assert stages[0]["model"]["paragraphs_sampled"] == 100
    outputs = [json.loads((r.run_dir / "manifest.json").read_text(encoding="utf-8"))["outputs"] for r in runs]
    for hashes in outputs:
        del hashes["report.html"]  # holds the run's id and time
    assert outputs[0] == outputs[1]
    for name in ("paragraphs.csv", "documents.csv"):
        assert (runs[1].run_dir / name).read_bytes() == (sample_run.run_dir / name).read_bytes(), name


def test_terms_are_shown_as_written_with_the_normalized_form_beside_them(sample_run, paragraphs):
    # The sample's speeches say "rule of law" and name "Xi Jinping": the lemma/phrase forms are "rule_law" and
    # "xi_jinping", which people should not have to read.
    topics = read_table(sample_run.run_dir, "topics.csv")
    terms = read_table(sample_run.run_dir, "theme_terms.csv")
    shown = " ".join([*topics["top_terms"], *topics["tfidf_terms"]])
    assert "rule law" not in shown and "_" not in shown
    assert "rule of law" in terms["term"].tolist() and "rule law" not in terms["term"].tolist()
    assert list(terms.columns) == ["theme", "term", "term_normalized", "weight", "is_seed", "paragraphs"]
    assert not terms["term"].str.contains("_").any() and terms["term_normalized"].str.contains("_").any()
    assert (terms["term"].str.lower().str.split().str.len() >= terms["term_normalized"].str.count("_") + 1).all()
    evidence = " ".join(paragraphs["evidence"])
    assert "Xi Jinping" in evidence and "xi jinping" not in evidence
