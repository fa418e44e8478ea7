"""pipeline/lexicon.py: the bundled lexicon, user lexicon files, themes from the config, and their checks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pipeline.config import LexiconConfig
from pipeline.errors import ConfigError
from pipeline.lexicon import RESERVED_NAMES, default_lexicon_path, load_lexicon

USER_LEXICON = """
[themes.ports]
description = "Harbours and shipping."
seeds = ["harbor", "container ship"]

[themes.farming]
seeds = ["crop", "harvest"]
"""


def write_lexicon(tmp_path: Path, text: str = USER_LEXICON) -> Path:
    path = tmp_path / "lexicon.toml"
    path.write_text(text, encoding="utf-8")
    return path


def lexicon_error(config: LexiconConfig) -> str:
    with pytest.raises(ConfigError) as info:
        load_lexicon(config)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_default_lexicon_is_the_bundled_file():
    lexicon = load_lexicon(LexiconConfig())
    table = tomllib.loads(default_lexicon_path().read_text(encoding="utf-8"))["themes"]
    assert lexicon.names == list(table)
    assert lexicon.themes == {name: entry["seeds"]["en"] + entry["seeds"]["zh"] for name, entry in table.items()}
    assert len(lexicon.names) >= 2
    for name in lexicon.names:
        assert name not in RESERVED_NAMES
        assert lexicon.themes[name], f"theme {name} has no seeds"
        assert lexicon.descriptions[name], f"theme {name} has no description"


def test_user_file_replaces_the_default(tmp_path):
    lexicon = load_lexicon(LexiconConfig(path=str(write_lexicon(tmp_path))))
    assert lexicon.themes == {"ports": ["harbor", "container ship"], "farming": ["crop", "harvest"]}
    assert lexicon.descriptions == {"ports": "Harbours and shipping.", "farming": ""}
    assert lexicon.names == ["ports", "farming"]


def test_config_themes_are_added_and_override_file_themes(tmp_path):
    config = LexiconConfig(
        path=str(write_lexicon(tmp_path)), themes={"farming": ["tractor"], "rivers": ["river", "flood"]}
    )
    lexicon = load_lexicon(config)
    assert lexicon.themes == {
        "ports": ["harbor", "container ship"],
        "farming": ["tractor"],
        "rivers": ["river", "flood"],
    }


def test_replace_uses_only_the_config_themes():
    lexicon = load_lexicon(LexiconConfig(replace=True, themes={"rivers": ["river"]}))
    assert lexicon.themes == {"rivers": ["river"]}


def test_replace_without_themes_is_an_error():
    assert "lexicon has no themes" in lexicon_error(LexiconConfig(replace=True))


@pytest.mark.parametrize("name", ["Ports", "1ports", "sea-ports", "_ports", "port s"])
def test_theme_names_must_be_lowercase_identifiers(name):
    message = lexicon_error(LexiconConfig(themes={name: ["harbor"]}))
    assert f"'{name}'" in message
    assert "lowercase" in message


@pytest.mark.parametrize("name", ["other", "unlabeled", "doc_id", "text"])
def test_reserved_theme_names_are_refused(name):
    message = lexicon_error(LexiconConfig(themes={name: ["harbor"]}))
    assert f"'{name}'" in message and "reserved" in message


def test_a_theme_needs_seeds():
    message = lexicon_error(LexiconConfig(replace=True, themes={"ports": []}))
    assert "'ports'" in message and "at least one seed" in message


def test_missing_lexicon_file_names_the_path(tmp_path):
    missing = tmp_path / "absent.toml"
    message = lexicon_error(LexiconConfig(path=str(missing)))
    assert str(missing) in message and "not found" in message


def test_invalid_toml_lexicon_file(tmp_path):
    path = write_lexicon(tmp_path, "[themes.ports\nseeds = []\n")
    message = lexicon_error(LexiconConfig(path=str(path)))
    assert str(path) in message and "not a readable TOML file" in message


def test_lexicon_file_without_themes_table(tmp_path):
    path = write_lexicon(tmp_path, 'ports = ["harbor"]\n')
    assert "expected [themes.<name>] tables" in lexicon_error(LexiconConfig(path=str(path)))


def test_seeds_must_be_a_list_of_strings(tmp_path):
    path = write_lexicon(tmp_path, "[themes.ports]\nseeds = [1, 2]\n")
    assert "themes.ports.seeds must be a list of strings" in lexicon_error(LexiconConfig(path=str(path)))


def test_seeds_may_be_given_per_language_and_a_file_may_hold_one_language(tmp_path):
    path = write_lexicon(
        tmp_path,
        '[themes.ports]\nseeds.zh = ["港口", "集装箱船"]\n\n[themes.farming]\nseeds.en = ["crop"]\nseeds.zh = ["粮食"]\n',
    )
    lexicon = load_lexicon(LexiconConfig(path=str(path)))
    assert lexicon.themes == {"ports": ["港口", "集装箱船"], "farming": ["crop", "粮食"]}


def test_an_unknown_seed_language_is_refused(tmp_path):
    path = write_lexicon(tmp_path, '[themes.ports]\nseeds.fr = ["port"]\n')
    message = lexicon_error(LexiconConfig(path=str(path)))
    assert "themes.ports.seeds" in message and "'fr'" in message and "en or zh" in message
