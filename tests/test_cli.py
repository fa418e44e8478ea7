"""pipeline/cli/ through typer's CliRunner: `themes run`, `themes config show`, errors as one line + exit code."""

from __future__ import annotations

import json
import tomllib

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config

# 80 columns, as when output is piped into a file or a CI log: long messages must not be wrapped.
ENV = {"COLUMNS": "80", "CI": "1"}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=ENV)


def toml_string(value) -> str:
    return json.dumps(str(value))


def set_options(overrides: list[str]) -> list[str]:
    return [arg for override in overrides for arg in ("--set", override)]


def assert_one_line_error(result, exit_code: int) -> str:
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    return lines[0]


def test_unknown_key_exits_2_with_one_line_naming_it():
    result = invoke("run", "--set", "model.num_topic=3")
    line = assert_one_line_error(result, 2)
    assert "num_topic" in line


def test_bad_value_exits_2_with_one_line_naming_the_key():
    result = invoke("run", "--set", 'segment.mode="x"')
    assert "segment.mode" in assert_one_line_error(result, 2)


def test_debug_shows_the_traceback():
    result = invoke("run", "--debug", "--set", "model.num_topic=3")
    assert result.exit_code == 2
    assert "Traceback" in result.output
    assert "error: config: unknown key 'model.num_topic'" in result.output


def test_missing_input_path_exits_1_with_one_line_naming_it(tmp_path):
    missing = tmp_path / "a-folder-that-is-not-there" / "with-a-long-enough-name-to-pass-eighty-columns"
    result = invoke("run", "--input", str(missing), "--set", f"output_dir={toml_string(tmp_path / 'out')}")
    line = assert_one_line_error(result, 1)
    assert str(missing) in line
    assert not (tmp_path / "out" / "default").exists() or not any((tmp_path / "out" / "default").iterdir())


def test_missing_config_file_exits_2(tmp_path):
    result = invoke("run", str(tmp_path / "absent.toml"))
    assert "absent.toml" in assert_one_line_error(result, 2)


def test_config_show_prints_the_defaults_as_toml():
    result = invoke("config", "show")
    assert result.exit_code == 0, result.output
    parsed = tomllib.loads(result.output)
    assert "model" in parsed and "[model]" in result.output
    assert parsed == Config().to_dict()


def test_config_show_applies_file_and_overrides(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text('experiment = "trial"\n[model]\nnum_topics = 12\n', encoding="utf-8")
    long_path = "/data/" + "/".join(["a-rather-long-folder-name"] * 6)
    result = invoke("config", "show", str(path), "--set", "model.passes=3", "--set", f"ingest.path={long_path}")
    assert result.exit_code == 0, result.output
    parsed = tomllib.loads(result.output)
    assert parsed["experiment"] == "trial"
    assert (parsed["model"]["num_topics"], parsed["model"]["passes"]) == (12, 3)
    assert parsed["ingest"]["path"] == long_path  # long values are not wrapped into invalid TOML


def test_config_show_reports_bad_keys():
    result = invoke("config", "show", "--set", "tokenize.normalise=lemma")
    assert "tokenize.normalise" in assert_one_line_error(result, 2)


def test_run_on_a_folder_writes_a_run_folder(tiny_corpus, write_corpus, tiny_run_overrides, tmp_path):
    # Quotes and a backslash in the folder name: --input must reach the config as the same string.
    tiny_corpus_dir = write_corpus(tiny_corpus, folder='tiny "quoted" \\ corpus')
    output_dir = tmp_path / "out"
    result = invoke(
        "run",
        "--input",
        str(tiny_corpus_dir),
        "--set",
        f"output_dir={toml_string(output_dir)}",
        "--set",
        "experiment=tiny",
        *set_options(tiny_run_overrides),
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    runs = list((output_dir / "tiny").iterdir())
    assert len(runs) == 1
    run_dir = runs[0]
    assert f"outputs: {run_dir}" in result.output
    assert "3 documents" in result.output
    for name in ("config.toml", "manifest.json", "paragraphs.csv", "documents.csv", "topics.csv"):
        assert (run_dir / name).is_file(), name
    documents = pd.read_csv(run_dir / "documents.csv", keep_default_na=False)
    assert sorted(documents["source"]) == sorted(str((tiny_corpus_dir / n).resolve()) for n in tiny_corpus)
    assert tomllib.loads((run_dir / "config.toml").read_text(encoding="utf-8"))["ingest"]["path"] == str(
        tiny_corpus_dir
    )


@pytest.mark.parametrize("args", [[], ["config"]])
def test_no_arguments_shows_help(args):
    result = invoke(*args)
    assert "Usage" in result.output
    assert "Traceback" not in result.output


def test_importing_the_package_and_the_cli_leaves_the_heavy_libraries_unloaded():
    # `themes --help` and `import pipeline` stay quick: the libraries are imported where a command uses them.
    import subprocess
    import sys

    heavy = ("gensim", "sklearn", "tomotopy", "pandas", "scipy", "matplotlib")
    code = f"import sys, pipeline, pipeline.cli; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
