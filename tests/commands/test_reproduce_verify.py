"""`themes reproduce` checks every file in the run folder against its manifest before re-running: a hand edit,
a deleted or an added file fails; what documented commands write (compare, evaluate, diff, report --sweep) passes."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import toml_string
from pipeline.cli import app
from pipeline.commands.reproduce import CHANGED, MISSING, UNLISTED, verify_files
from pipeline.config_files import load_config
from pipeline.runner import run

ENV = {"COLUMNS": "200", "CI": "1"}


@pytest.fixture(scope="module")
def verified_run(tmp_path_factory):
    """One tiny run; tests that edit it work on a copy."""
    from conftest import TINY_RUN_OVERRIDES, write_tiny_corpus

    root = tmp_path_factory.mktemp("verify")
    corpus = write_tiny_corpus(root / "corpus")
    config = load_config(
        None, [f"ingest.path={toml_string(corpus)}", f"output_dir={toml_string(root / 'out')}", *TINY_RUN_OVERRIDES]
    )
    return run(config).run_dir


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=ENV)


def manifest(run_dir):
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def run_copy(verified_run, tmp_path):
    import shutil

    return shutil.copytree(verified_run, tmp_path / verified_run.name)


def test_a_hand_edited_output_fails_before_any_re_run(run_copy):
    path = run_copy / "documents.csv"
    path.write_bytes(path.read_bytes().replace(b"a_economy", b"a_economx", 1))
    result = invoke("reproduce", str(run_copy))
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("not reproduced: 1 file(s) in ") and "documents.csv (changed)" in first
    assert "not re-run" in result.output


def test_a_deleted_and_an_added_file_are_named(run_copy):
    (run_copy / "topics.csv").unlink()
    (run_copy / "notes.txt").write_text("mine", encoding="utf-8")
    problems, _ = verify_files(run_copy, manifest(run_copy))
    assert {(p.name, p.status) for p in problems} == {("topics.csv", MISSING), ("notes.txt", UNLISTED)}


def test_documented_commands_keep_the_run_verifiable(run_copy, tmp_path):
    for args in (["compare", str(run_copy)], ["compare", str(run_copy), "--by", "date:year"]):
        assert invoke(*args).exit_code == 0
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "sweep.csv").write_text("kind,k,seed,coherence\nmodel,2,42,0.1\nmodel,3,42,0.2\n", encoding="utf-8")
    report = invoke("report", str(run_copy), "--sweep", str(sweep))
    problems, checked = verify_files(run_copy, manifest(run_copy))
    assert problems == [] and checked > len(manifest(run_copy)["outputs"]), report.output
    # a hand edit inside compare/ is caught by compare/manifest.json
    nearest = run_copy / "compare" / "nearest.csv"
    nearest.write_bytes(nearest.read_bytes() + b"\n")
    problems, _ = verify_files(run_copy, manifest(run_copy))
    assert [(p.name, p.status) for p in problems] == [("compare/nearest.csv", CHANGED)]


def test_reproduce_passes_after_compare_and_report(run_copy):
    assert invoke("compare", str(run_copy)).exit_code == 0
    assert invoke("report", str(run_copy)).exit_code == 0
    result = invoke("reproduce", str(run_copy))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("verified: all ")
    assert "reproduced: all" in result.output


def test_diff_writes_a_verifiable_folder(run_copy, verified_run):
    result = invoke("diff", str(verified_run), str(run_copy))
    assert result.exit_code == 0, result.output
    problems, _ = verify_files(run_copy, manifest(run_copy))
    assert problems == []


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_byte_change_of_any_listed_file_is_caught(verified_run, data):
    listed = sorted(manifest(verified_run)["outputs"])
    name = data.draw(st.sampled_from(listed))
    path = verified_run / name
    original = path.read_bytes()
    at = data.draw(st.integers(0, max(len(original) - 1, 0)))
    new_byte = data.draw(st.integers(0, 255).filter(lambda b: not original or b != original[at]))
    changed = original[:at] + bytes([new_byte]) + original[at + 1:] if original else bytes([new_byte])
    try:
        path.write_bytes(changed)
        problems, _ = verify_files(verified_run, manifest(verified_run))
    finally:
        path.write_bytes(original)
    assert [(p.name, p.status) for p in problems] == [(name, CHANGED)]
