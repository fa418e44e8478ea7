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
from pipeline.stages.clean import ends_sentence, has_blank_line
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
    for i, line in enumerate(lines):
        if run_end is not None and not line.drop_reason and joins(i):
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


def _joins(text: str, lines: list[Line], mode: str):
    """Predicate over i: does kept line i continue the paragraph of kept line i - 1?"""

    def no_blank_before(i: int) -> bool:
        return not has_blank_line(text[lines[i - 1].end : lines[i].start])

    if mode == "line":
        return lambda i: False
    if mode == "blank_line":
        return no_blank_before
    bodies = [text[line.start : line.end] for line in lines]
    ends = [ends_sentence(body) for body in bodies]
    kept = [i for i, line in enumerate(lines) if not line.drop_reason]
    if not kept or sum(not ends[i] for i in kept) <= WRAPPED_SHARE * len(kept):
        return lambda i: False
    full_length = FULL_LINE_SHARE * float(np.percentile([len(bodies[i]) for i in kept], 90))

    def continues(i: int) -> bool:
        first_word = bodies[i].split(maxsplit=1)[0]
        ended_early = len(bodies[i - 1]) + 1 + len(first_word) < full_length
        return not (ends[i - 1] and ended_early) and no_blank_before(i)

    return continues
