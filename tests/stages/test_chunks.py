"""pipeline/stages/chunks.py and pipeline/rows.py: chunks mapped in worker processes give what one process gives,
named tuples included (they travel back as columns)."""

from __future__ import annotations

import gc

from pipeline.rows import gc_paused, pack_rows, unpack_rows
from pipeline.stages.chunks import map_chunks
from pipeline.types import Line, Paragraph


def _lines_and_paragraphs(texts: list[str]) -> tuple[list[list[Line]], list[Paragraph], list[str]]:
    lines = [[Line(text, i, i + 1, "heading" if i % 3 else "") for i in range(len(text))] for text in texts]
    paragraphs = [Paragraph(text, 0, 0, len(text), text, "") for text in texts]
    return lines, paragraphs, [text.upper() for text in texts]


def test_named_tuples_come_back_from_workers_as_the_same_rows():
    texts = [f"document {i} " * (i % 5 + 1) for i in range(40)] + [""]
    one = list(map_chunks(_lines_and_paragraphs, texts, workers=1))
    two = list(map_chunks(_lines_and_paragraphs, texts, workers=2))
    assert len(two) > 1  # chunks differ with the number of workers; what they hold, in order, does not
    for part in range(3):
        assert [row for chunk in two for row in chunk[part]] == [row for chunk in one for row in chunk[part]]
    lines, paragraphs, _ = two[-1]
    assert type(lines[0][0]) is Line and type(paragraphs[0]) is Paragraph


def test_packed_rows_unpack_to_what_was_packed_and_the_collector_is_back_on():
    lines, paragraphs, upper = _lines_and_paragraphs(["ab", "", "cde"])
    value = (lines, paragraphs, upper, [], [[]])
    packed = pack_rows(value)
    assert packed[2] is upper  # not rows: left as it is
    assert unpack_rows(packed) == value
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
