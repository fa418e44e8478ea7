"""pipeline/store/artifacts.py: tables written as CSV read back as written."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.store.artifacts import write_csv
from pipeline.store.read import read_run_csv


@pytest.mark.parametrize("text", ["one line", "wrapped\nline", "crlf\r\nline", "old mac\rline", 'quoted "x", y'])
def test_text_with_any_line_end_reads_back_as_one_row(tmp_path, text):
    frame = pd.DataFrame({"doc_id": ["d"], "paragraph": [0], "other": [0.25], "text": [text]})
    write_csv(frame, tmp_path / "t.csv")
    back = read_run_csv(tmp_path / "t.csv", ("doc_id", "text"))
    assert back["text"].tolist() == [text] and back["other"].tolist() == [0.25] and back["paragraph"].tolist() == [0]
