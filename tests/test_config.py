"""pipeline/config.py: defaults, configs/default.toml, `extends`, `--set` overrides and one-line errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.config import Config
from pipeline.config_files import load_config, parse_override, render_default_toml
from pipeline.errors import ConfigError, PipelineError

DEFAULT_TOML = Path(__file__).resolve().parents[1] / "configs" / "default.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(overrides: list[str], path: Path | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides)
    return str(info.value)


# --- defaults ---------------------------------------------------------------------------------------------


def test_no_file_and_no_overrides_gives_the_defaults():
    config = load_config()
    assert config == Config()
    assert config.seed == 42
    assert config.output_dir == "outputs"
    assert config.model.num_topics == 10
    assert config.segment.mode == "blank_line"
    assert config.ingest.extensions == [".txt", ".md"]


def test_default_toml_file_is_exactly_the_rendered_defaults():
    assert DEFAULT_TOML.read_text(encoding="utf-8") == render_default_toml()


def test_loading_default_toml_gives_the_default_config():
    assert load_config(DEFAULT_TOML) == Config()


def test_rendered_defaults_comment_every_key():
    lines = render_default_toml().splitlines()
    settings = [i for i, line in enumerate(lines) if re.match(r"^\w+ = ", line)]
    assert settings, "no settings rendered"
    for i in settings:
        assert lines[i - 1].startswith("# "), f"no comment above {lines[i]!r}"
    assert tomllib.loads(render_default_toml()) == Config().to_dict()


def test_equal_configs_hash_equal_whatever_their_source(tmp_path):
    from_file = load_config(write(tmp_path / "exp.toml", "[model]\nnum_topics = 12\n"))
    from_override = load_config(None, ["model.num_topics=12"])
    assert from_file == from_override
    assert from_file.hash() == from_override.hash()
    assert from_file.hash() != Config().hash()


# --- extends ----------------------------------------------------------------------------------------------


def test_extends_is_relative_to_the_file_and_deep_merges(tmp_path, monkeypatch):
    write(tmp_path / "base" / "base.toml", 'seed = 7\n[model]\nnum_topics = 12\npasses = 3\n[segment]\nmode = "line"\n')
    child = write(tmp_path / "experiments" / "child.toml", 'extends = "../base/base.toml"\n[model]\npasses = 5\n')
    monkeypatch.chdir(tmp_path / "base")  # a path relative to the working directory would not resolve
    config = load_config(child)
    assert config.seed == 7
    assert config.model.num_topics == 12  # kept from the parent's [model]
    assert config.model.passes == 5  # the child's value wins
    assert config.segment.mode == "line"
    assert config.model.iterations == Config().model.iterations


def test_extends_chains_through_several_files(tmp_path):
    write(tmp_path / "a.toml", "seed = 1\n[model]\nnum_topics = 11\n")
    write(tmp_path / "b.toml", 'extends = "a.toml"\nseed = 2\n')
    c = write(tmp_path / "c.toml", 'extends = "b.toml"\nexperiment = "c"\n')
    config = load_config(c)
    assert (config.experiment, config.seed, config.model.num_topics) == ("c", 2, 11)


def test_extends_cycle_is_a_config_error(tmp_path):
    a = write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    message = config_error([], a)
    assert "cycle" in message
    assert "a.toml" in message and "b.toml" in message
    assert "\n" not in message


def test_a_file_extending_itself_is_a_cycle(tmp_path):
    a = write(tmp_path / "a.toml", 'extends = "a.toml"\n')
    assert "cycle" in config_error([], a)


def test_missing_parent_names_the_file(tmp_path):
    child = write(tmp_path / "child.toml", 'extends = "nowhere.toml"\n')
    message = config_error([], child)
    assert "nowhere.toml" in message and "not found" in message


def test_extends_must_be_a_string(tmp_path):
    child = write(tmp_path / "child.toml", "extends = 3\n")
    assert "`extends` must be a file path string" in config_error([], child)


def test_invalid_toml_is_a_one_line_config_error(tmp_path):
    bad = write(tmp_path / "bad.toml", "[model\nnum_topics = 3\n")
    message = config_error([], bad)
    assert "bad.toml" in message and "not valid TOML" in message
    assert "\n" not in message


def test_missing_config_file_is_a_config_error(tmp_path):
    assert "not found" in config_error([], tmp_path / "absent.toml")


# --- --set overrides --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keys", "value"),
    [
        ("model.num_topics=12", ["model", "num_topics"], 12),
        ("model.eta=0.05", ["model", "eta"], 0.05),
        ("clean.enabled=false", ["clean", "enabled"], False),
        ("tokenize.phrases=true", ["tokenize", "phrases"], True),
        ('ingest.extensions=[".txt", ".csv"]', ["ingest", "extensions"], [".txt", ".csv"]),
        ('experiment="quoted name"', ["experiment"], "quoted name"),
        ("experiment=my-experiment", ["experiment"], "my-experiment"),  # not TOML: kept as a string
        ("output_dir=/tmp/some dir", ["output_dir"], "/tmp/some dir"),
        (" model.passes = 4 ", ["model", "passes"], 4),
    ],
)
def test_parse_override_types_values_like_toml(text, keys, value):
    parsed_keys, parsed_value = parse_override(text)
    assert parsed_keys == keys
    assert parsed_value == value
    assert type(parsed_value) is type(value)


def test_overrides_reach_the_typed_config():
    config = load_config(
        None,
        [
            "model.num_topics=12",
            "model.eta=0.05",
            "clean.enabled=false",
            'ingest.extensions=[".txt"]',
            "experiment=trial-1",
            'lexicon.themes.ports=["harbor", "port"]',
        ],
    )
    assert config.model.num_topics == 12
    assert config.model.eta == 0.05
    assert config.clean.enabled is False
    assert config.ingest.extensions == [".txt"]
    assert config.experiment == "trial-1"
    assert config.lexicon.themes == {"ports": ["harbor", "port"]}


def test_overrides_win_over_the_file(tmp_path):
    path = write(tmp_path / "exp.toml", "[model]\npasses = 3\nnum_topics = 9\n")
    config = load_config(path, ["model.passes=7"])
    assert (config.model.passes, config.model.num_topics) == (7, 9)


@pytest.mark.parametrize("text", ["model.num_topics", "=3", "model..passes=3", ".passes=3"])
def test_malformed_override_is_a_config_error(text):
    message = config_error([text])
    assert "expected section.key=value" in message
    assert "\n" not in message


def test_override_below_a_plain_value_is_a_config_error():
    message = config_error(["seed=1", "seed.deep=2"])
    assert "'seed' is a value, not a section" in message


# --- validation errors ------------------------------------------------------------------------------------


def test_unknown_key_names_it_and_lists_the_allowed_keys():
    message = config_error(["model.num_topic=3"])
    assert "num_topic" in message
    assert "model.num_topic" in message
    assert "num_topics" in message  # the allowed keys are listed
    assert "\n" not in message


def test_unknown_section_is_named():
    message = config_error(["modle.num_topics=3"])
    assert "'modle'" in message
    assert "model" in message
    assert "\n" not in message


def test_unknown_key_in_a_file_is_named(tmp_path):
    path = write(tmp_path / "exp.toml", "[segment]\nmin_word = 3\n")
    message = config_error([], path)
    assert "segment.min_word" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("override", "key", "detail"),
    [
        ('model.num_topics="abc"', "model.num_topics", '"abc"'),
        ("model.num_topics=abc", "model.num_topics", '"abc"'),
        ('segment.mode="x"', "segment.mode", "'blank_line', 'line' or 'auto'"),
        ("model.num_topics=0", "model.num_topics", "greater than or equal to 1"),
        ("vectorize.no_above=1.5", "vectorize.no_above", "1.5"),
        ('tokenize.normalize="stem"', "tokenize.normalize", "'lemma'"),
    ],
)
def test_bad_value_is_a_one_line_error_naming_the_key(override, key, detail):
    message = config_error([override])
    assert message.startswith(f"config: {key} = ")
    assert detail in message
    assert "\n" not in message


def test_config_errors_exit_with_code_2():
    assert issubclass(ConfigError, PipelineError)
    assert ConfigError("x").exit_code == 2


def test_config_is_frozen():
    config = Config()
    with pytest.raises(ValidationError):
        config.seed = 1  # type: ignore[misc]
    assert config.seed == 42


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.num_topics=true", "model.num_topics = true: Input should be a valid integer"),
        ("model.num_topics=2.5", "model.num_topics = 2.5: Input should be a valid integer"),
        ("model.num_topics=2.0", "model.num_topics = 2.0: Input should be a valid integer"),
        ("seed=false", "seed = false: Input should be a valid integer"),
        ('vectorize.no_below="2"', 'vectorize.no_below = "2": Input should be a valid integer'),
    ],
)
def test_types_are_strict_no_bool_for_a_number_no_truncated_float(override, message):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["config", "show", "--set", override])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == f"error: config: {message}"


def test_a_whole_number_is_still_a_float():
    assert load_config(None, ["vectorize.no_above=1"]).vectorize.no_above == 1.0
