"""pipeline/store/csv_table.py: the same bytes as pandas' to_csv, faster."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from pipeline.store.csv_table import write_csv


def pandas_bytes(frame: pd.DataFrame, path, float_format="%.8f", quoting=csv.QUOTE_MINIMAL) -> bytes:
    frame.to_csv(path, index=False, float_format=float_format, lineterminator="\n", encoding="utf-8", quoting=quoting)
    return path.read_bytes()


FRAMES = {
    "kinds": pd.DataFrame({
        "doc_id": ["a", "b,c", 'say "hi"'],
        "n": np.array([1, -2, 3], dtype=np.int64),
        "flag": [True, False, True],
        "share": [0.5, np.nan, -0.0],
        "wide": [np.inf, 1e-9, 123456.123456789],
        "text": ["line\nbreak", None, "naïve ſtate 数字"],
        "typed": pd.array(["x", None, "z"], dtype="string"),
        "small": np.array([0.25, 1.0, 2.0], dtype=np.float32),
    }),
    "empty rows": pd.DataFrame({"doc_id": pd.Series([], dtype=object), "share": pd.Series([], dtype=float)}),
    "mixed object": pd.DataFrame({"cell": ["a", 1, 2.5]}),
    "nullable ints": pd.DataFrame({"n": pd.array([1, None], dtype="Int64")}),
}


@pytest.mark.parametrize("name", FRAMES)
def test_every_kind_of_column_is_written_as_pandas_writes_it(name, tmp_path):
    frame = FRAMES[name]
    write_csv(frame, tmp_path / "ours.csv", "%.8f")
    assert (tmp_path / "ours.csv").read_bytes() == pandas_bytes(frame, tmp_path / "theirs.csv")


def test_a_lone_carriage_return_quotes_every_text_cell(tmp_path):
    frame = pd.DataFrame(
        {"text": ["old\rmac", None], "n": [1, 2], "share": [0.5, np.nan], "flag": [True, False], "kind": ["a", "b"]}
    )
    write_csv(frame, tmp_path / "ours.csv", "%.8f")
    expected = pandas_bytes(frame, tmp_path / "theirs.csv", quoting=csv.QUOTE_NONNUMERIC)
    assert (tmp_path / "ours.csv").read_bytes() == expected
    assert b'"old\rmac"' in expected


def test_an_open_text_handle_gets_the_same_text(tmp_path):
    from io import StringIO

    buffer = StringIO()
    write_csv(FRAMES["kinds"], buffer, "%.8f")
    assert buffer.getvalue().encode() == pandas_bytes(FRAMES["kinds"], tmp_path / "theirs.csv")


def test_a_long_table_is_written_in_blocks_with_the_same_bytes(tmp_path, monkeypatch):
    import pipeline.store.csv_table as csv_table

    monkeypatch.setattr(csv_table, "_ROWS_PER_WRITE", 2)
    frame = pd.DataFrame({"cell": ["a", 1, 2.5, None, "e"], "share": [0.1, np.nan, 0.3, 0.4, 0.5]})
    write_csv(frame, tmp_path / "ours.csv", "%.8f")
    assert (tmp_path / "ours.csv").read_bytes() == pandas_bytes(frame, tmp_path / "theirs.csv")
