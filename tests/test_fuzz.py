"""Property-based fuzzing (hypothesis) of the readers and the config loader.

Whatever the bytes or the config text: documents (whose paragraphs slice the decoded text) or an InputError,
a Config or a ConfigError, each with a one-line message, never another exception. Deterministic for CI
(derandomize) and a few seconds in all.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import CleanConfig, Config, IngestConfig, SegmentConfig
from pipeline.config_files import load_config, parse_override
from pipeline.errors import ConfigError, InputError, PipelineWarning
from pipeline.stages.clean import clean
from pipeline.stages.decoding import binary_kind, decode
from pipeline.stages.ingest import parse_file
from pipeline.stages.segment import segment

FUZZ = settings(max_examples=500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1"]

# Text that looks like documents: words, every line ending, white space, control and non-Latin characters.
PIECES = st.sampled_from(
    ["Title", "word", "Digital economy.", " ", "\t", "\n", "\n\n", "\r\n", "\r", "\x0c", "\u2028", "\x00", "\x1b",
     "é", "ü", "—", "€", "中文", "😀", ",", '"', "{", "}", "[", "]", ":", "Photo by X", "Release time: 2024-01-02"]
)
TEXTS = st.one_of(st.lists(PIECES, max_size=30).map("".join), st.text(max_size=80))


def encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


FILE_BYTES = st.one_of(
    st.binary(max_size=200),
    st.builds(encoded, TEXTS, st.sampled_from(ENCODINGS)),
    st.builds(lambda magic, rest: magic + rest, st.sampled_from([b"\x89PNG\r\n\x1a\n", b"%PDF-1.4", b"PK\x03\x04"]),
              st.binary(max_size=50)),
)


def parse(name: str, data: bytes, **settings) -> list:
    """parse_file on `data`; an InputError must be one line naming the file."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            documents = parse_file(Path(name), data, IngestConfig(**settings))
        except InputError as exc:
            assert "\n" not in str(exc) and name in str(exc)
            return []
    assert all(isinstance(w.message, PipelineWarning) and "\n" not in str(w.message) for w in caught)
    return documents


def assert_paragraphs_slice(documents) -> None:
    lines = clean(documents, CleanConfig())
    for p in segment(documents, lines, SegmentConfig()):
        text = next(d.text for d in documents if d.doc_id == p.doc_id)
        assert text[p.start : p.end] == p.text


@FUZZ
@given(FILE_BYTES)
def test_any_bytes_become_a_document_or_a_skip(data):
    documents = parse("doc.txt", data)
    assert len(documents) <= 1
    if documents:
        assert documents[0].text.strip()
        assert documents[0].encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252", "latin-1")
        assert_paragraphs_slice(documents)
    else:
        assert binary_kind(data) or not decode(data)[0].strip()


@FUZZ
@given(TEXTS, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_unicode_text_round_trips(text, encoding):
    data = text.encode(encoding)
    if not binary_kind(data):
        assert decode(data) == (text, "utf-8" if encoding == "utf-8" else encoding)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
ROWS = st.dictionaries(st.sampled_from(["text", "id", "title", "date", "x"]), JSON_VALUES, max_size=4)
JSONL_LINES = st.one_of(ROWS.map(json.dumps), TEXTS, st.just(""), st.just("[1]"), st.just('{"text": "a"'))


@FUZZ
@given(st.lists(JSONL_LINES, max_size=5), st.sampled_from(["\n", "\r\n"]), st.sampled_from(ENCODINGS))
def test_any_jsonl_gives_rows_or_one_line_error(lines, newline, encoding):
    documents = parse("rows.jsonl", encoded(newline.join(lines), encoding), id_column="id", title_column="title")
    assert_paragraphs_slice(documents)


CSV_CELLS = st.one_of(TEXTS, st.sampled_from(['"', '""', ",", "\n", "a,b", '"quoted"']))


@FUZZ
@given(
    st.lists(st.sampled_from(["text", "id", "body", "", "title"]), min_size=1, max_size=3),
    st.lists(st.lists(CSV_CELLS, max_size=4), max_size=4),
    st.sampled_from(ENCODINGS),
)
def test_any_csv_gives_rows_or_one_line_error(header, rows, encoding):
    text = "\n".join(",".join(row) for row in [header, *rows])
    documents = parse("rows.csv", encoded(text, encoding), id_column="id")
    assert_paragraphs_slice(documents)


# --- config loader and --set parser --------------------------------------------------------------------------

SECTIONS = {name: field.annotation for name, field in Config.model_fields.items()}
KEYS = st.sampled_from(
    [name for name, t in SECTIONS.items() if not hasattr(t, "model_fields")]
    + [f"{name}.{key}" for name, t in SECTIONS.items() if hasattr(t, "model_fields") for key in t.model_fields]
    + ["model.num_topic", "nope", "lexicon.themes.ai", "lexicon.themes.doc_id", "model.passes.x", "extends"]
)
TOML_VALUES = st.recursive(
    st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.floats() | TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=2),
    max_leaves=5,
)


def nested(pairs: list[tuple[str, object]]) -> dict:
    """{"model.passes": 3} style pairs as a nested dict, later pairs losing to a value already there."""
    root: dict = {}
    for dotted, value in pairs:
        node = root
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(last, value)
    return root


CONFIG_FILES = st.one_of(
    st.lists(st.tuples(KEYS, TOML_VALUES), max_size=5).map(lambda pairs: tomli_w.dumps(nested(pairs))),
    TEXTS,
    st.lists(st.sampled_from(["[model]", "num_topics = 3", "passes = -1", "[x", "a = [[[1]]]", 'extends = "x.toml"',
                              'experiment = "../up"', "seed = 1e9", "\n"]), max_size=6).map("\n".join),
)
OVERRIDES = st.one_of(
    st.text(max_size=40),
    st.builds(lambda k, v: f"{k}={v}", KEYS, st.one_of(TEXTS, TOML_VALUES.map(lambda v: tomli_w.dumps({"v": v})[4:]))),
)


def assert_config_or_one_line_error(load) -> None:
    try:
        assert isinstance(load(), Config)
    except ConfigError as exc:
        assert "\n" not in str(exc) and str(exc)


@pytest.fixture(scope="module")
def config_file():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "exp.toml"


@FUZZ
@given(text=CONFIG_FILES)
def test_any_config_file_gives_a_config_or_one_line_error(config_file, text):
    config_file.write_text(text, encoding="utf-8")
    assert_config_or_one_line_error(lambda: load_config(config_file))


@FUZZ
@given(st.lists(OVERRIDES, max_size=3))
def test_any_overrides_give_a_config_or_one_line_error(overrides):
    assert_config_or_one_line_error(lambda: load_config(None, overrides))


@FUZZ
@given(OVERRIDES)
def test_parse_override_gives_keys_and_a_value_or_one_line_error(text):
    try:
        keys, _ = parse_override(text)
    except ConfigError as exc:
        assert "\n" not in str(exc)
    else:
        assert keys and all(keys)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(OVERRIDES, max_size=2))
def test_config_show_never_prints_a_traceback(overrides):
    result = CliRunner().invoke(app, ["config", "show", *[a for o in overrides for a in ("--set", o)]])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)

