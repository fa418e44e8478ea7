"""`themes infer`: a saved run applied to new documents writes the run's schema; training documents come back close."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.commands.infer import infer
from pipeline.lexicon import load_lexicon
from pipeline.stages.ingest import sample_corpus_dir

ENV = {"COLUMNS": "80", "CI": "1"}
# With label.method = "lexicon" (the default) nothing random reaches the weights, so training documents get their
# training weights back up to float rounding. (Under "hybrid", LDA inference starting from another random mixture
# moved document weights by up to 0.00015 and paragraph weights by up to 0.025 on the sample.)
DOCUMENT_TOLERANCE = 1e-9
PARAGRAPH_TOLERANCE = 1e-9

NEW_DOCUMENTS = {
    "fresh_security.txt": (
        "Protecting data\n\nCybersecurity and data security protect personal information across the network.\n\n"
        "Critical information infrastructure needs risk prevention and security review.\n"
    ),
    "fresh_economy.md": (
        "The digital economy\n\nThe digital economy and e-commerce drive high-quality economic development.\n"
    ),
}


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype={"doc_id": str, "text": str})


@pytest.fixture(scope="module")
def training_docs() -> list[str]:
    return [str(p) for p in sorted(sample_corpus_dir().glob("*.txt"))[:2]]


@pytest.fixture(scope="module")
def inferred_training(sample_run, training_docs, tmp_path_factory):
    return infer(sample_run.run_dir, training_docs, tmp_path_factory.mktemp("infer") / "results")


def test_two_new_documents_get_both_csvs_with_the_run_columns(sample_run, sample_config, write_corpus, tmp_path):
    folder = write_corpus(NEW_DOCUMENTS, folder="new")
    paths = [str(folder / name) for name in NEW_DOCUMENTS]
    result = CliRunner().invoke(app, ["infer", str(sample_run.run_dir), *paths, "--out", str(tmp_path / "r")], env=ENV)
    assert result.exit_code == 0, result.output
    assert "2 documents" in result.output
    (out_dir,) = (tmp_path / "r").iterdir()
    assert f"outputs: {out_dir}" in result.output
    themes = [*load_lexicon(sample_config.lexicon).names, "other"]
    for name in ("paragraphs.csv", "documents.csv"):
        new, trained = read(out_dir / name), read(sample_run.run_dir / name)
        assert list(new.columns) == list(trained.columns), name
        assert np.allclose(new[themes].to_numpy(dtype=float).sum(axis=1), 1.0)
    documents = read(out_dir / "documents.csv").set_index("doc_id")
    assert sorted(documents.index) == ["fresh_economy", "fresh_security"]
    assert documents.loc["fresh_security", themes].astype(float).idxmax() == "security"
    assert documents.loc["fresh_economy", themes].astype(float).idxmax() == "digital_economy"
    assert (out_dir / "manifest.json").is_file()


def test_training_documents_get_weights_close_to_their_training_weights(sample_run, inferred_training):
    trained_docs = read(sample_run.run_dir / "documents.csv").set_index("doc_id")
    new_docs = read(inferred_training.out_dir / "documents.csv").set_index("doc_id")
    themes = list(trained_docs.columns[trained_docs.columns.get_loc("n_tokens") + 1 : trained_docs.columns.get_loc("other") + 1])
    assert len(new_docs) == 2
    difference = np.abs(new_docs[themes].to_numpy(dtype=float) - trained_docs.loc[new_docs.index, themes].to_numpy(dtype=float))
    assert difference.max() <= DOCUMENT_TOLERANCE
    trained = read(sample_run.run_dir / "paragraphs.csv")
    trained = trained[trained["doc_id"].isin(new_docs.index)].reset_index(drop=True)
    new = read(inferred_training.out_dir / "paragraphs.csv")
    # Same cleaning: the boilerplate the run found shared across documents is dropped here too.
    assert new["status"].tolist() == trained["status"].tolist()
    assert (new["status"] == "repeated_across_documents").any()
    assert np.abs(new[themes].to_numpy(dtype=float) - trained[themes].to_numpy(dtype=float)).max() <= PARAGRAPH_TOLERANCE
    assert new["n_tokens"].tolist() == trained["n_tokens"].tolist()  # same tokens, phrases and vocabulary


def test_inferring_twice_gives_the_same_bytes(sample_run, training_docs, inferred_training):
    again = infer(sample_run.run_dir, training_docs, inferred_training.out_dir.parent)
    assert again.out_dir != inferred_training.out_dir
    for name in ("paragraphs.csv", "documents.csv"):
        assert (again.out_dir / name).read_bytes() == (inferred_training.out_dir / name).read_bytes(), name


def test_default_output_goes_into_the_run_folder(sample_run, training_docs):
    result = infer(sample_run.run_dir, training_docs[:1])
    assert result.out_dir.parent == sample_run.run_dir / "infer"


def test_a_folder_that_is_not_a_run_is_a_one_line_error(tmp_path, training_docs):
    result = CliRunner().invoke(app, ["infer", str(tmp_path), *training_docs], env=ENV)
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "manifest.json" in result.output
