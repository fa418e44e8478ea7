"""`themes diff` refuses runs that share no document: a table of nan would look like an answer."""

from __future__ import annotations

import shutil

import pandas as pd
from typer.testing import CliRunner

from conftest import toml_string
from pipeline.cli import app
from pipeline.config_files import load_config
from pipeline.runner import run


def test_diff_of_runs_on_different_corpora_is_refused(tiny_corpus_dir, tiny_run_overrides, tmp_path):
    config = load_config(
        None,
        [f"ingest.path={toml_string(tiny_corpus_dir)}", f"output_dir={toml_string(tmp_path / 'out')}", *tiny_run_overrides],
    )
    first = run(config).run_dir
    other = shutil.copytree(first, tmp_path / "other")
    documents = pd.read_csv(other / "documents.csv", dtype=str, keep_default_na=False)
    documents["doc_id"] = "x-" + documents["doc_id"]
    documents.to_csv(other / "documents.csv", index=False)
    result = CliRunner().invoke(app, ["diff", str(first), str(other)])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {other}: shares no document with {first} (by doc_id)")
    assert not list(other.glob("diff-*"))
