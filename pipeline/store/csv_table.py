"""CSV tables as pandas' `to_csv` writes them, byte for byte, at the csv module's speed.

pandas formats every cell through Python calls of its own (a missing-value check and a formatter per cell):
for paragraphs.csv at 300k paragraphs that is most of the seconds spent writing it. Here each column becomes a
list of cells in one go (floats by `float_format`, missing values as empty cells, as pandas writes them) and
the csv module writes the rows. A column of another kind (categories, dates, nullable integers) is left to
pandas.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

_LONE_CR = re.compile("\r(?!\n)")
_ROWS_PER_WRITE = 10_000


def write_csv(frame: pd.DataFrame, path: Path | TextIO, float_format: str) -> None:
    """`frame` as CSV into the file at `path`, or into an open text handle."""
    # Python's csv writer quotes a field for "\n" but not for a lone "\r" (old Mac line ends inside a
    # paragraph), which pandas and R read as the end of a row: then every text field is quoted.
    texts = frame.select_dtypes(exclude="number")
    lone_cr = any(_has_lone_cr(texts[c]) for c in texts.columns)
    quoting = csv.QUOTE_NONNUMERIC if lone_cr else csv.QUOTE_MINIMAL
    kinds = [_kind(frame.iloc[:, j]) for j in range(frame.shape[1])]
    if frame.empty or None in kinds or not all(type(c) is str for c in frame.columns):
        frame.to_csv(
            path, index=False, float_format=float_format, lineterminator="\n", encoding="utf-8", quoting=quoting
        )
        return
    if not isinstance(path, Path | str):
        _write_rows(path, frame, kinds, float_format, quoting)
        return
    with open(path, "w", encoding="utf-8", newline="") as handle:
        _write_rows(handle, frame, kinds, float_format, quoting)


def _write_rows(handle: TextIO, frame: pd.DataFrame, kinds: list[str], float_format: str, quoting: int) -> None:
    """The header and rows, a block of rows at a time: cells of a whole column at once would hold hundreds of MB
    of strings at 300k paragraphs. The cells are the values pandas hands the csv module: floats formatted,
    missing values as empty strings, anything else as it is (so under QUOTE_NONNUMERIC formatted floats and empty
    cells are quoted, integers and flags are not, as pandas writes them)."""
    writer = csv.writer(handle, lineterminator="\n", quoting=quoting)
    writer.writerow(frame.columns)
    for start in range(0, len(frame), _ROWS_PER_WRITE):
        block = frame.iloc[start : start + _ROWS_PER_WRITE]
        writer.writerows(zip(*(_cells(block.iloc[:, j], kind, float_format) for j, kind in enumerate(kinds))))


def _kind(column: pd.Series) -> str | None:
    """How a column's cells are made: "float", "number" (integers, flags), "object"; None: left to pandas."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype):
        return {"f": "float", "i": "number", "u": "number", "b": "number", "O": "object"}.get(dtype.kind)
    return "object" if isinstance(dtype, pd.StringDtype) else None


def _cells(column: pd.Series, kind: str, float_format: str) -> list:
    if kind == "float":
        values = column.to_numpy()
        cells = list(map(float_format.__mod__, values.tolist()))
    elif kind == "number":
        return column.tolist()
    else:
        values = column.to_numpy(dtype=object)
        cells = values.tolist()
    for i in np.flatnonzero(pd.isna(values)).tolist():
        cells[i] = ""
    return cells


def _has_lone_cr(column: pd.Series) -> bool:
    """Whether a cell holds a "\r" not followed by "\n"; looked for cell by cell, without a converted copy of the
    column (a corpus's text). Cells that are not strings (numbers, flags) print without one."""
    return any(isinstance(value, str) and "\r" in value and _LONE_CR.search(value) for value in column)
