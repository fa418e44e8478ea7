"""Clean: mark boilerplate lines with the reason they go. Nothing is deleted; offsets stay in the original text.

Each rule is a small predicate over one line and its context, tried in a fixed order; the first that fires
names the reason. Repetition is counted on a normalized form (lowercase, single spaces).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.config import CleanConfig
from pipeline.errors import ConfigError
from pipeline.types import Document, Line

SHARED_REASON = "repeated_across_documents"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_RELEASE = re.compile(
    r"^(?:release time|release date|publish(?:ed)? (?:time|date)|published|source|editor|responsible editor|"
    r"editor in charge|author)\s*[:：]",
    re.IGNORECASE,
)
_LEADING_DATE = re.compile(r"^date\s+\d{4}-\d{2}-\d{2}\s*", re.IGNORECASE)
_BYLINE = re.compile(
    r"\b(?:reporters?|correspondents?|journalists?|staff writers?)\b|^by\s+[A-Z]", re.IGNORECASE
)
_CAPTION = re.compile(
    r"\b(?:photos?|pictures?|images?)\s+(?:by|from|courtesy)\b|\bthe (?:picture|photo|image) shows\b|"
    r"^\(?(?:photo|picture|file photo)\b|\bphoto\s*/",
    re.IGNORECASE,
)
# Em/en dashes or a double hyphen; a single "-" is a list bullet, not an attribution.
_CAPTION_START = re.compile(r"^\(?(?:photos?|pictures?|file photo)\s*(?:by|from|courtesy|:|/)", re.IGNORECASE)
_ATTRIBUTION_LEAD = re.compile(r"^(?:(?:[—–―]\s*){1,4}|-{2,}\s*)")
_ATTRIBUTION_BODY = re.compile(
    r"^(?:on|in|at|from)\b|\b(?:speech|letter|remarks|report|instructions?|message|address|talk|article)\b",
    re.IGNORECASE,
)
# A sentence or quoted sentence ends with one of these; headings usually end with none (or with a dash lead-in).
_SENTENCE_END = re.compile(r"[.!?。！？;；:：\"”’')\]…]$")
_CAPITALIZED_NAME = re.compile(r"^(?:[A-Z][\w'’.-]*\s*){1,5}$")


@dataclass(frozen=True)
class _Context:
    doc: Document
    text: str  # stripped line
    norm: str
    words: int
    isolated: bool  # a block of its own: blank line (or document edge) before and after
    title_norm: str
    repeats_in_doc: int
    documents_with_line: int


def split_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, trimmed of surrounding white space; any line ending counts."""
    spans = []
    for match in _LINE.finditer(text):
        raw = match.group()
        if not raw:
            break
        body = raw.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            start = match.start() + (len(body) - len(body.lstrip()))
            spans.append((start, start + len(stripped)))
    return spans


def normalize_line(text: str) -> str:
    return " ".join(text.lower().split())


def clean(
    documents: list[Document], config: CleanConfig, known_boilerplate: frozenset[str] = frozenset()
) -> list[list[Line]]:
    """Per document, its non-blank lines, each kept (`drop_reason == ""`) or dropped with a reason.

    `known_boilerplate` holds normalized lines another corpus found shared (a saved run's, when applying it to
    new documents): they count as shared here too, however few of these documents contain them.
    """
    spans_per_doc = [split_lines(doc.text) for doc in documents]
    norms_per_doc = [[normalize_line(doc.text[s:e]) for s, e in spans] for doc, spans in zip(documents, spans_per_doc)]
    doc_frequency: Counter[str] = Counter()
    for norms in norms_per_doc:
        doc_frequency.update(set(norms))
    rules = _active_rules(config)
    cleaned = []
    for doc, spans, norms in zip(documents, spans_per_doc, norms_per_doc):
        in_doc = Counter(norms)
        title_norm = normalize_line(_LEADING_DATE.sub("", doc.title))
        lines = []
        for i, ((start, end), norm) in enumerate(zip(spans, norms)):
            ctx = _Context(
                doc=doc,
                text=doc.text[start:end],
                norm=norm,
                words=norm.count(" ") + 1 if norm else 0,
                isolated=_isolated(doc.text, spans, i),
                title_norm=title_norm,
                repeats_in_doc=in_doc[norm],
                documents_with_line=doc_frequency[norm] + (config.min_documents if norm in known_boilerplate else 0),
            )
            reason = next((name for name, rule in rules if rule(ctx)), "") if config.enabled else ""
            lines.append(Line(doc_id=doc.doc_id, start=start, end=end, drop_reason=reason))
        cleaned.append(lines)
    return cleaned


def shared_boilerplate(documents: list[Document], lines: list[list[Line]]) -> list[str]:
    """The normalized lines dropped as repeated across documents, sorted: what `known_boilerplate` takes."""
    found = {
        normalize_line(doc.text[line.start : line.end])
        for doc, doc_lines in zip(documents, lines)
        for line in doc_lines
        if line.drop_reason == SHARED_REASON
    }
    return sorted(found)


def _isolated(text: str, spans: list[tuple[int, int]], i: int) -> bool:
    before = text[spans[i - 1][1] : spans[i][0]] if i else "\n\n"
    after = text[spans[i][1] : spans[i + 1][0]] if i + 1 < len(spans) else "\n\n"
    return has_blank_line(before) and has_blank_line(after)


def has_blank_line(gap: str) -> bool:
    return gap.count("\n") + gap.replace("\r\n", "").count("\r") >= 2


def _active_rules(config: CleanConfig) -> list[tuple[str, Callable[[_Context], bool]]]:
    patterns = []
    for pattern in config.extra_patterns:
        try:
            patterns.append(re.compile(pattern))
        except re.error as exc:
            raise ConfigError(f"config: clean.extra_patterns: {pattern!r} is not a valid regex ({exc})") from None

    rules: list[tuple[str, bool, Callable[[_Context], bool]]] = [
        # Titles, captions and bylines stand alone; inside a hard-wrapped paragraph the same words are content.
        (
            "title",
            config.title,
            lambda c: c.isolated and bool(c.title_norm) and _LEADING_DATE.sub("", c.norm) == c.title_norm,
        ),
        ("release_time", config.release_time, lambda c: bool(_RELEASE.match(c.text))),
        (
            "byline",
            config.byline,
            lambda c: c.isolated
            and ((c.words <= 12 and bool(_BYLINE.search(c.text))) or (c.words <= 4 and bool(_CAPITALIZED_NAME.match(c.text)))),
        ),
        (
            "photo_caption",
            config.photo_caption,
            # A caption is short; the word limit also spares a search through a 50 MB line without breaks.
            lambda c: bool(_CAPTION_START.match(c.text))
            or (c.isolated and c.words <= 60 and bool(_CAPTION.search(c.text))),
        ),
        (
            "quote_attribution",
            config.quote_attribution,
            lambda c: c.words <= 60
            and bool(_ATTRIBUTION_LEAD.match(c.text))
            and bool(_ATTRIBUTION_BODY.search(_ATTRIBUTION_LEAD.sub("", c.text))),
        ),
        (
            SHARED_REASON,
            config.repeated_across_documents,
            lambda c: c.words >= 3 and c.documents_with_line >= config.min_documents,
        ),
        (
            "repeated_in_document",
            config.repeated_in_document,
            lambda c: c.words >= 3 and c.repeats_in_doc >= config.min_repeats,
        ),
        (
            "heading",
            config.heading,
            lambda c: c.isolated and c.words <= config.heading_max_words and not _SENTENCE_END.search(c.text),
        ),
        ("pattern", bool(patterns), lambda c: any(p.search(c.text) for p in patterns)),
    ]
    return [(name, rule) for name, enabled, rule in rules if enabled]
