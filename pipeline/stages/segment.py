"""Segment: group kept lines into paragraphs whose `start`/`end` slice the original document text.

"auto" mode copes with hard-wrapped text (speeches and reports extracted from PDFs, about ten words a line,
often with no blank line between paragraphs). A document is hard-wrapped when most of its lines end
mid-sentence. There a line break ends a paragraph only when the line ends a sentence and the next line's
first word would have fitted on it, judged against the document's typical full line length; elsewhere every
line is a paragraph.
"""

from __future__ import annotations

import numpy as np

from pipeline.config import SegmentConfig
from pipeline.stages.chunks import map_chunks
from pipeline.rows import gc_paused
from pipeline.stages.clean import blank_gaps
from pipeline.stages.clean_rules import ends_sentence
from pipeline.types import Document, Line, Paragraph

# Share of kept lines ending mid-sentence above which a document counts as hard-wrapped.
WRAPPED_SHARE = 0.5
# Full lines of proportional-font PDF text vary in characters: a line counts as full from this share of the
# document's long-line length (the 90th percentile of its line lengths).
FULL_LINE_SHARE = 0.85


def segment(
    documents: list[Document], lines_per_doc: list[list[Line]], config: SegmentConfig, *, workers: int = 1
) -> list[Paragraph]:
    """Paragraphs of every document in order; each dropped line stays a paragraph of its own with its reason.

    Documents are segmented independently, so `workers` processes share them in order-preserving chunks and the
    result is the same for any number.
    """
    pairs = list(zip(documents, lines_per_doc))
    chunks = map_chunks(_segment_chunk, pairs, config, workers=workers, size=_text_size)
    return [paragraph for chunk in chunks for paragraph in chunk]


def _text_size(pair: tuple[Document, list[Line]]) -> int:
    return len(pair[0].text)


def _segment_chunk(pairs: list[tuple[Document, list[Line]]], config: SegmentConfig) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    with gc_paused():  # paragraphs hold no cycles
        for doc, lines in pairs:
            for index, (start, end, reason) in enumerate(_blocks(doc.text, lines, config.mode)):
                text = doc.text[start:end]
                if not reason and len(text.split(maxsplit=config.min_words)) < config.min_words:
                    reason = "too_short"
                paragraphs.append(Paragraph(doc.doc_id, index, start, end, text, reason))
    return paragraphs


def _blocks(text: str, lines: list[Line], mode: str):
    """(start, end, drop_reason): runs of kept lines joined where the mode says a line break continues."""
    joins = _joins(text, lines, mode)
    run_start = run_end = None
    for line, joined in zip(lines, joins):
        if run_end is not None and joined and not line.drop_reason:
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


def _joins(text: str, lines: list[Line], mode: str) -> list[bool]:
    """Per line i, whether it continues the paragraph of line i - 1 (read only where both are kept)."""
    if mode == "line" or not lines:
        return [False] * len(lines)
    blank = [True, *blank_gaps(text, [(line.start, line.end) for line in lines])]
    if mode == "blank_line":
        return [not gap for gap in blank]
    bodies = [text[line.start : line.end] for line in lines]
    ends = list(map(ends_sentence, bodies))
    kept = [i for i, line in enumerate(lines) if not line.drop_reason]
    if not kept or sum(not ends[i] for i in kept) <= WRAPPED_SHARE * len(kept):
        return [False] * len(lines)
    full_length = FULL_LINE_SHARE * float(np.percentile([len(bodies[i]) for i in kept], 90))
    # A sentence's end is a paragraph's end when the next line's first word would have fitted after it.
    ended_early = [
        len(before) + 1 + len(after.split(maxsplit=1)[0]) < full_length for before, after in zip(bodies, bodies[1:])
    ]
    return [False, *(not (end and early) and not gap for end, early, gap in zip(ends, ended_early, blank[1:]))]
