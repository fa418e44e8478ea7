"""CSV tables as pandas' `to_csv` writes them, byte for byte, at the csv module's speed.

pandas formats every cell through Python calls of its own (a missing-value check and a formatter per cell):
for paragraphs.csv at 300k paragraphs that is most of the seconds spent writing it. Here each column becomes a
list of cells in one go (floats by `float_format`, missing values as empty cells, as pandas writes them) and
the csv module writes the rows. A column of any other kind is left to pandas.
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
    columns = None if frame.empty else [_cells(frame.iloc[:, j], float_format) for j in range(frame.shape[1])]
    if columns is None or any(c is None for c in columns) or not frame.columns.map(type).isin([str]).all():
        frame.to_csv(
            path, index=False, float_format=float_format, lineterminator="\n", encoding="utf-8", quoting=quoting
        )
        return
    if not isinstance(path, Path | str):
        _write_rows(path, frame.columns, columns, quoting)
        return
    with open(path, "w", encoding="utf-8", newline="") as handle:
        _write_rows(handle, frame.columns, columns, quoting)


def _write_rows(handle: TextIO, header, columns: list[list], quoting: int) -> None:
    # Under QUOTE_NONNUMERIC the cells are those pandas gives the csv module too: formatted floats and empty
    # cells are strings (quoted), integers and flags are numbers (not quoted).
    writer = csv.writer(handle, lineterminator="\n", quoting=quoting)
    writer.writerow(header)
    for start in range(0, len(columns[0]) if columns else 0, _ROWS_PER_WRITE):
        writer.writerows(zip(*(column[start : start + _ROWS_PER_WRITE] for column in columns)))


def _cells(column: pd.Series, float_format: str) -> list | None:
    """A column's cells as pandas hands them to the csv module, or None for a kind of column left to pandas."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = column.to_numpy()
        cells = list(map(float_format.__mod__, values.tolist()))
        for i in np.flatnonzero(np.isnan(values)).tolist():
            cells[i] = ""
        return cells
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return column.tolist()  # the csv module prints these as pandas does: str(value)
    if (isinstance(dtype, np.dtype) and dtype.kind == "O") or isinstance(dtype, pd.StringDtype):
        missing = column.isna().to_numpy()
        cells = column.astype(object).tolist() if missing.any() or dtype.kind != "O" else column.tolist()
        for i in np.flatnonzero(missing).tolist():
            cells[i] = ""
        return cells if all(type(c) is str for c in cells) else None
    return None


def _has_lone_cr(column: pd.Series) -> bool:
    """Whether a cell holds a "\r" not followed by "\n"; looked for cell by cell, without a converted copy of the
    column (a corpus's text). Cells that are not strings (numbers, flags) print without one."""
    return any(isinstance(value, str) and "\r" in value and _LONE_CR.search(value) for value in column)
