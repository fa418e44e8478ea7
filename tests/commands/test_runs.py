"""`themes runs` (pipeline/commands/runs.py): finished runs listed oldest first with id, date, config hash, corpus and headline figures."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.commands.runs import corpus_top_theme, list_runs

ENV = {"COLUMNS": "200", "CI": "1"}


@pytest.fixture
def output_dir(sample_run, tmp_path):
    """Two experiments holding copies of the sample run, an unfinished run and a stage cache."""
    root = tmp_path / "outputs"
    shutil.copytree(sample_run.run_dir, root / "alpha" / "20260101-000000-aaaaaaaa")
    shutil.copytree(sample_run.run_dir, root / "alpha" / "20250101-000000-bbbbbbbb")
    shutil.copytree(sample_run.run_dir, root / "beta" / sample_run.run_id)
    (root / "alpha" / ".tmp-20270101-000000-cccccccc-99").mkdir()
    (root / ".cache" / "model").mkdir(parents=True)
    evaluation = root / "beta" / sample_run.run_id / "evaluation"
    evaluation.mkdir(exist_ok=True)
    (evaluation / "summary.json").write_text(json.dumps({"macro_f1": 0.8125}), encoding="utf-8")
    return root


def test_runs_are_listed_oldest_first_without_unfinished_ones(output_dir, sample_run, sample_config):
    runs = list_runs(output_dir)
    assert [(r.experiment, r.path.rsplit("/", 1)[-1]) for r in runs] == [
        ("alpha", "20250101-000000-bbbbbbbb"), ("alpha", "20260101-000000-aaaaaaaa"), ("beta", sample_run.run_id),
    ]
    first = runs[0]
    assert first.config_hash == sample_config.hash()
    assert (first.documents, first.input) == (5, "")
    assert first.paragraphs_kept > 0 and first.top_theme and 0 < first.top_theme_share < 1
    assert runs[0].macro_f1 is None and runs[2].macro_f1 == 0.8125
    assert [r.experiment for r in list_runs(output_dir, "beta")] == ["beta"]


def test_the_command_prints_a_table_or_json(output_dir, sample_run):
    table = CliRunner().invoke(app, ["runs", "--output-dir", str(output_dir)], env=ENV)
    assert table.exit_code == 0, table.output
    assert sample_run.run_id in table.output and "0.812" in table.output and "(sample)" in table.output
    as_json = CliRunner().invoke(app, ["runs", "alpha", "--output-dir", str(output_dir), "--json"], env=ENV)
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert len(rows) == 2 and {"run_id", "created_utc", "config_hash", "documents", "top_theme"} <= set(rows[0])


def test_an_unknown_experiment_is_a_one_line_error(output_dir):
    result = CliRunner().invoke(app, ["runs", "gamma", "--output-dir", str(output_dir)], env=ENV)
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "alpha, beta" in result.output


def test_the_top_theme_weighs_documents_by_their_tokens():
    documents = pd.DataFrame({"doc_id": ["d1", "d2"], "n_tokens": [30, 10], "a": [0.1, 0.9], "b": [0.5, 0.0],
                              "other": [0.4, 0.1]})
    theme, share = corpus_top_theme(documents, ["a", "b", "other"])
    assert theme == "b" and share == pytest.approx((30 * 0.5) / 40)
    assert corpus_top_theme(documents, ["other"]) == ("", None)


def test_runs_shows_which_input_files_a_run_read():
    from pipeline.commands.runs import input_fingerprint

    one = [{"path": "/c/a.txt", "sha256": "1"}, {"path": "/c/b.txt", "sha256": "2"}]
    assert input_fingerprint(one).startswith("2 ") and input_fingerprint(list(reversed(one))) == input_fingerprint(one)
    assert input_fingerprint([*one, {"path": "/c/out/x.txt", "sha256": "3"}]).startswith("3 ")
    assert input_fingerprint([one[0], {"path": "/c/b.txt", "sha256": "9"}]) != input_fingerprint(one)
    assert input_fingerprint([]) == "?"
