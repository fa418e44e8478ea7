"""`themes reproduce`: a fresh run reproduces bit for bit; edited inputs, config and outputs are named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import toml_string
from pipeline.cli import app
from pipeline.config_files import load_config
from pipeline.store.manifest import sha256_file
from pipeline.commands.reproduce import (
    CHANGED, DIFFERENT, EQUAL, EQUAL_BUT_IDENTITY, EXTRA, MISSING, compare_outputs, compare_run_folders, reproduce,
)
from pipeline.runner import run

ENV = {"COLUMNS": "200", "CI": "1"}


@pytest.fixture
def tiny_run(tiny_corpus_dir, tiny_run_overrides, tmp_path):
    config = load_config(
        None,
        [f"ingest.path={toml_string(tiny_corpus_dir)}", f"output_dir={toml_string(tmp_path / 'out')}", *tiny_run_overrides],
    )
    return run(config)


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=ENV)


def test_a_fresh_run_reproduces_every_output_file(tiny_run, tmp_path):
    result = invoke("reproduce", str(tiny_run.run_dir), "--keep", str(tmp_path / "kept"))
    assert result.exit_code == 0, result.output
    recorded = json.loads((tiny_run.run_dir / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    assert f"reproduced: all {len(recorded)} output files match the manifest byte for byte" in result.output
    assert "report.html" in recorded  # equal, or equal but its run id/time when the re-run's second differs
    for name in ("paragraphs.csv", "models/lda.gensim", "models/dictionary.gensim", "lexicon.toml"):
        assert name in recorded and name in result.output
    assert not [line for line in result.output.splitlines() if line.startswith(("input ", "note: "))]
    (kept,) = (tmp_path / "kept").glob("*/*/manifest.json")
    kept_outputs = json.loads(kept.read_text(encoding="utf-8"))["outputs"]
    assert {k: v for k, v in kept_outputs.items() if k != "report.html"} == {
        k: v for k, v in recorded.items() if k != "report.html"
    }
    assert len(list((tmp_path / "out" / "default").iterdir())) == 1  # no new run among the user's runs


def test_an_edited_input_file_is_named_and_the_exit_code_is_1(tiny_run, tiny_corpus_dir):
    edited = tiny_corpus_dir / "b_security.txt"
    edited.write_text(edited.read_text(encoding="utf-8").replace("encryption", "firewalls"), encoding="utf-8")
    result = invoke("reproduce", str(tiny_run.run_dir))
    assert result.exit_code == 1, result.output
    input_lines = [line for line in result.output.splitlines() if line.startswith("input ")]
    assert input_lines == [f"input changed since the run: {edited.resolve()}"]
    assert "not reproduced:" in result.output and "paragraphs.csv" in result.output.split("not reproduced:")[1]


def test_missing_and_added_inputs_are_named(tiny_run, tiny_corpus_dir):
    (tiny_corpus_dir / "a_economy.txt").unlink()
    (tiny_corpus_dir / "d_new.txt").write_text("A new article about data security and encryption.\n", encoding="utf-8")
    result = reproduce(tiny_run.run_dir)
    statuses = {Path(check.name).name: check.status for check in result.inputs}
    assert statuses == {"a_economy.txt": MISSING, "d_new.txt": "added"}
    assert not result.identical


def test_an_edited_config_fails_the_hash_check_before_any_re_run(tiny_run):
    config_toml = tiny_run.run_dir / "config.toml"
    config_toml.write_text(config_toml.read_text(encoding="utf-8").replace("seed = 42", "seed = 7"), encoding="utf-8")
    result = reproduce(tiny_run.run_dir)
    assert [(c.name, c.status) for c in result.unverified] == [("config.toml", CHANGED)]
    assert result.outputs == [] and not result.identical


def test_a_folder_without_a_manifest_is_a_one_line_error(tmp_path):
    result = invoke("reproduce", str(tmp_path))
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "manifest.json" in result.output
    assert "Traceback" not in result.output


def test_compare_outputs_names_every_kind_of_difference():
    checks = compare_outputs({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "9", "d": "4"})
    assert [(c.name, c.status) for c in checks] == [("a", EQUAL), ("b", DIFFERENT), ("c", MISSING), ("d", EXTRA)]
    assert CHANGED == "changed"


def test_a_report_that_differs_only_by_its_run_id_and_time_counts_as_reproduced(tmp_path):
    def folder(name: str, run_id: str, created: str, body: str) -> tuple[Path, dict]:
        path = tmp_path / name
        path.mkdir()
        (path / "report.html").write_text(f"<p>{run_id} made {created}</p>{body}", encoding="utf-8")
        manifest = {"run_id": run_id, "created_utc": created, "config_hash": "abcdef0123456789",
                    "outputs": {"report.html": sha256_file(path / "report.html")}}
        (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        return path, manifest

    original, manifest = folder("a", "20260101-000000-abcdef01", "2026-01-01T00:00:00+00:00", "same")
    rerun, _ = folder("b", "20260102-000000-abcdef01", "2026-01-02T00:00:00+00:00", "same")
    changed, _ = folder("c", "20260103-000000-abcdef01", "2026-01-03T00:00:00+00:00", "other")
    assert [c.status for c in compare_run_folders(original, manifest, rerun)] == [EQUAL_BUT_IDENTITY]
    assert [c.status for c in compare_run_folders(original, manifest, changed)] == [DIFFERENT]
