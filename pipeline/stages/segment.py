"""Segment: group kept lines into paragraphs whose `start`/`end` slice the original document text."""

from __future__ import annotations

from pipeline.config import SegmentConfig
from pipeline.stages.clean import has_blank_line
from pipeline.types import Document, Line, Paragraph


def segment(documents: list[Document], lines_per_doc: list[list[Line]], config: SegmentConfig) -> list[Paragraph]:
    """Paragraphs of every document in order; each dropped line stays a paragraph of its own with its reason."""
    paragraphs: list[Paragraph] = []
    for doc, lines in zip(documents, lines_per_doc):
        for index, (start, end, reason) in enumerate(_blocks(doc.text, lines, config.mode)):
            text = doc.text[start:end]
            if not reason and len(text.split()) < config.min_words:
                reason = "too_short"
            paragraphs.append(Paragraph(doc.doc_id, index, start, end, text, reason))
    return paragraphs


def _blocks(text: str, lines: list[Line], mode: str):
    """(start, end, drop_reason): runs of kept lines not broken by a blank line (or every line in "line" mode)."""
    run_start = run_end = None
    for line in lines:
        continues = (
            run_end is not None
            and not line.drop_reason
            and mode == "blank_line"
            and not has_blank_line(text[run_end : line.start])
        )
        if continues:
            run_end = line.end
            continue
        if run_start is not None:
            yield run_start, run_end, ""
            run_start = run_end = None
        if line.drop_reason:
            yield line.start, line.end, line.drop_reason
        else:
            run_start, run_end = line.start, line.end
    if run_start is not None:
        yield run_start, run_end, ""
