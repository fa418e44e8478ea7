"""Clean: mark boilerplate lines with the reason they go. Nothing is deleted; offsets stay in the original text.

Each rule (`clean_rules.py`) judges a line by its text and its context, tried in a fixed order; the first
that fires names the reason. Repetition is counted on a normalized form (lowercase, single spaces). Chinese lines meet the same rules (their
own metadata words, headings and full-width punctuation); their length in words is counted by characters.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.config import CleanConfig
from pipeline.rows import gc_paused
from pipeline.stages.chinese import word_counts
from pipeline.stages.chunks import map_chunks
from pipeline.stages.clean_rules import (
    LEADING_DATE, SHARED_REASON, DocumentLines, Rules, active_rules, first_reasons,
)
from pipeline.types import Document, Line

# A line's text without the white space around it: from a non-space character to the last one before a line
# ending (\r or \n). `\s` is exactly what str.strip() strips, so one scan finds the spans a split and a strip
# per line would.
_LINE_SPAN = re.compile(r"\S(?:[^\r\n]*\S)?")
# Header fields of e-mail and Usenet posts (RFC 5322 / 1036); Subject stays: it states what the post is about.
_MAIL_HEADER = re.compile(
    r"^(?:from|to|cc|reply-to|sender|organi[sz]ation|lines|nntp-posting-host|message-id|date|newsgroups|path|xref|"
    r"references|in-reply-to|distribution|keywords|summary|expires|followup-to|approved|article-i\.d\.|"
    r"mime-version|content-type|content-transfer-encoding|x-[\w-]+)[ \t]*:",
    re.IGNORECASE,
)
_SUBJECT = re.compile(r"^subject[ \t]*:", re.IGNORECASE)
_SIGNATURE_DELIMITER = "--"
_SIGNATURE_MAX_LINES = 10



def split_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, trimmed of surrounding white space; any line ending counts."""
    return list(map(re.Match.span, _LINE_SPAN.finditer(text)))


def normalize_line(text: str) -> str:
    return " ".join(text.lower().split())


def clean(
    documents: list[Document],
    config: CleanConfig,
    known_boilerplate: frozenset[str] = frozenset(),
    *,
    workers: int = 1,
) -> list[list[Line]]:
    """Per document, its non-blank lines, each kept (`drop_reason == ""`) or dropped with a reason.

    `known_boilerplate` holds normalized lines another corpus found shared (a saved run's, when applying it to
    new documents): they count as shared here too, however few of these documents contain them. Each document
    is judged on its own once the shared lines are known, so `workers` processes share the documents in
    order-preserving chunks and the result is the same for any number.
    """
    shared = _lines_shared_across_documents(documents, config, workers) | known_boilerplate
    chunks = map_chunks(_clean_chunk, documents, config, shared, workers=workers, size=_text_size)
    return [lines for chunk in chunks for lines in chunk]


def _text_size(doc: Document) -> int:
    return len(doc.text)


def _clean_chunk(documents: list[Document], config: CleanConfig, shared: frozenset[str]) -> list[list[Line]]:
    rules = active_rules(config)
    with gc_paused():  # lines and their lists hold no cycles
        return [_clean_document(doc, rules, shared, config.enabled) for doc in documents]


def _lines_shared_across_documents(documents: list[Document], config: CleanConfig, workers: int) -> frozenset[str]:
    """Normalized lines of 3+ words found in at least `min_documents` documents.

    A pass of its own, so only these lines are held for the whole corpus, not every line's normal form; its
    counts are summed over chunks of documents, each counted in one of `workers` processes."""
    if not (config.enabled and config.repeated_across_documents):
        return frozenset()
    doc_frequency: Counter[str] = Counter()
    for counts in map_chunks(_document_frequency, documents, workers=workers, size=_text_size):
        doc_frequency.update(counts)
    return frozenset(norm for norm, count in doc_frequency.items() if count >= config.min_documents)


def _document_frequency(documents: list[Document]) -> Counter[str]:
    """In how many of these documents each normalized line of 3+ words occurs."""
    counts: Counter[str] = Counter()
    for doc in documents:
        norms = list({normalize_line(doc.text[start:end]) for start, end in split_lines(doc.text)})
        counts.update(norm for norm, words in zip(norms, word_counts(norms)) if words >= 3)
    return counts


def shared_boilerplate(documents: list[Document], lines: list[list[Line]]) -> list[str]:
    """The normalized lines dropped as repeated across documents, sorted: what `known_boilerplate` takes."""
    found = {
        normalize_line(doc.text[line.start : line.end])
        for doc, doc_lines in zip(documents, lines)
        for line in doc_lines
        if line.drop_reason == SHARED_REASON
    }
    return sorted(found)


# Rules that judge a line by its shape and place, which mean nothing when the line is the whole document.
_SHAPE_RULES = frozenset({"title", "heading", "byline"})
_SHORT_DOCUMENT_LINES = 3


def _clean_document(doc: Document, rules: Rules, shared: frozenset[str], enabled: bool) -> list[Line]:
    spans = split_lines(doc.text)
    texts = [doc.text[s:e] for s, e in spans]
    norms = list(map(normalize_line, texts))
    # Gap i precedes line i; the document's edges count as blank lines.
    blank_gap = [True, *blank_gaps(doc.text, spans), True]
    lines = DocumentLines(
        texts=texts,
        norms=norms,
        words=word_counts(norms),
        isolated=[before and after for before, after in zip(blank_gap, blank_gap[1:])],
        mail_parts=mail_parts_of(texts, blank_gap),
        title_norm=normalize_line(LEADING_DATE.sub("", doc.title)) if doc.title_is_heading else "",
        repeats=Counter(norms),
        shared=shared,
    )
    reasons = first_reasons(lines, rules) if enabled else [""] * len(spans)
    if len(spans) <= _SHORT_DOCUMENT_LINES and reasons and all(reason in _SHAPE_RULES for reason in reasons):
        # A document too short to have a title, headings or bylines apart from its text (one line, two short
        # paragraphs) is all text: the rules that judge a line by its shape and place stand down.
        reasons = first_reasons(lines, [(name, rule) for name, rule in rules if name not in _SHAPE_RULES])
    return [Line(doc.doc_id, start, end, reason) for (start, end), reason in zip(spans, reasons)]


def mail_parts_of(lines: list[str], blank_gap: list[bool]) -> list[str]:
    """Per line, "header" for the header block a post starts with (up to its first blank line: at least two known
    fields, the first line one of them; Subject and folded lines excepted), "signature" for the lines after a
    "-- " line near the end, else ""."""
    parts = [""] * len(lines)
    block_end = next((i + 1 for i in range(len(lines)) if blank_gap[i + 1]), len(lines))
    # A post's first line is a header field: most documents are told apart by it, without matching the others.
    if lines and _MAIL_HEADER.match(lines[0]) and sum(bool(_MAIL_HEADER.match(line)) for line in lines[:block_end]) >= 2:
        for i in range(block_end):
            if not _SUBJECT.match(lines[i]):
                parts[i] = "header"
    has_delimiter = _SIGNATURE_DELIMITER in lines
    delimiters = [i for i, line in enumerate(lines) if line == _SIGNATURE_DELIMITER and i >= block_end] if has_delimiter else []
    if delimiters and len(lines) - delimiters[-1] <= _SIGNATURE_MAX_LINES:
        for i in range(delimiters[-1], len(lines)):
            parts[i] = "signature"
    return parts


def blank_gaps(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """Per pair of consecutive lines (as `split_lines` gives them), whether the gap between them holds a blank line."""
    if "\r" in text:
        return [has_blank_line(text[a[1] : b[0]]) for a, b in zip(spans, spans[1:])]
    count = text.count  # with "\n" the only line ending, counted in place (no copy of each gap)
    return [count("\n", a[1], b[0]) >= 2 for a, b in zip(spans, spans[1:])]


def has_blank_line(gap: str) -> bool:
    return gap.count("\n") + gap.replace("\r\n", "").count("\r") >= 2


