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


def test_a_run_started_while_another_writes_the_same_id_gets_the_next_id(tmp_path):
    from pipeline.store.artifacts import RunFolder

    first = RunFolder(tmp_path, "default", "20260101-000000-abcdef12")
    second = RunFolder(tmp_path, "default", "20260101-000000-abcdef12")
    assert (first.run_id, second.run_id) == ("20260101-000000-abcdef12", "20260101-000000-abcdef12-2")
    with first, second:
        pass
    assert sorted(p.name for p in (tmp_path / "default").iterdir()) == [first.run_id, second.run_id]


def test_two_runs_that_chose_the_same_id_at_once_keep_the_first_and_say_so(tmp_path):
    from pipeline.errors import PipelineError
    from pipeline.store.artifacts import RunFolder

    first = RunFolder(tmp_path, "default", "20260101-000000-abcdef12")
    (first.path / "a.csv").write_text("x\n", encoding="utf-8")
    second = RunFolder(tmp_path, "default", "20260101-000000-abcdef12-2")
    second.final = first.final  # the race: both checked before either had written its temporary folder
    (second.path / "b.csv").write_text("y\n", encoding="utf-8")
    with first:
        pass
    with pytest.raises(PipelineError, match="another run with the same id finished first"):
        with second:
            pass
    assert [p.name for p in first.final.iterdir()] == ["a.csv"]
    assert not second.path.exists()
