"""Clean: mark boilerplate lines with the reason they go. Nothing is deleted; offsets stay in the original text.

Each rule is a small predicate over one line and its context, tried in a fixed order; the first that fires
names the reason. Repetition is counted on a normalized form (lowercase, single spaces). Chinese lines meet the same rules (their
own metadata words, headings and full-width punctuation); their length in words is counted by characters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.config import CleanConfig
from pipeline.errors import ConfigError
from pipeline.stages.chinese import count_words
from pipeline.stages.chunks import map_chunks
from pipeline.types import Document, Line

SHARED_REASON = "repeated_across_documents"
_GLOBAL_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")
_LINE_BODY = re.compile(r"[^\r\n]+")  # a line without its ending (\r\n, \r or \n)
_RELEASE = re.compile(
    r"^(?:release time|release date|publish(?:ed)? (?:time|date)|published|source|editor|responsible editor|"
    r"editor in charge|author|"
    # Chinese page metadata, also after the page's leading date and time ("2024-03-05 09:30 来源：新华网").
    r"(?:\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*)?"
    r"(?:发布时间|发布日期|发布|时间|日期|来源|信息来源|文章来源|稿件来源|责任编辑|编辑|作者|审核|校对|监制))\s*[:：]",
    re.IGNORECASE,
)
_LEADING_DATE = re.compile(r"^date\s+\d{4}-\d{2}-\d{2}\s*", re.IGNORECASE)
_BYLINE = re.compile(
    r"\b(?:reporters?|correspondents?|journalists?|staff writers?)\b|^by\s+[A-Z]|"
    # 本报记者 X, 通讯员 X, and agency datelines (新华社北京3月5日电).
    r"记者|通讯员|特约撰稿人|^[（(]?新华社.{0,16}电",
    re.IGNORECASE,
)
# "Photos from the summit ..." and "Images from Mars reveal ..." are headlines as often as captions: a caption
# names its photographer ("Photo by", "courtesy") or labels itself ("Photo:", "(Photo/...").
_CAPTION = re.compile(
    r"\b(?:photos?|pictures?|images?)\s+(?:by|courtesy)\b|\bthe (?:picture|photo|image) shows\b|"
    r"^\(?(?:photo|picture|file photo)\s*[:：/(（]|\bphoto\s*/|"
    r"摄[）)]?$|^图为|图片来源|^[（(]?资料图",  # "记者 X 摄" (photo by), "图为……" (the picture shows)
    re.IGNORECASE,
)
# Em/en dashes or a double hyphen; a single "-" is a list bullet, not an attribution.
_CAPTION_START = re.compile(
    r"^\(?(?:photos?|pictures?|file photo)\s*(?:by\b|courtesy\b|:|/)|^[（(]?图[：:/]|^图为", re.IGNORECASE
)
_ATTRIBUTION_LEAD = re.compile(r"^(?:(?:[—–―]\s*){1,4}|-{2,}\s*)")
_ATTRIBUTION_BODY = re.compile(
    r"^(?:on|in|at|from)\b|\b(?:speech|letter|remarks|report|instructions?|message|address|talk|article)\b|"
    r"^\d{4}年|讲话|致信|贺信|指示|批示|报告|文章|发言|谈话|会议上|时指出|时强调",
    re.IGNORECASE,
)
# Numbered Chinese section headings: 一、 (一) （一） 第一章 第二节 第三部分.
_ZH_NUMBERED_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十百零]+[、．.]|[（(][一二三四五六七八九十百零\d]+[）)]|第[一二三四五六七八九十百零\d]+[章节部分篇编])"
)
# A sentence or quoted sentence ends with one of these; headings usually end with none (or with a dash lead-in).
_SENTENCE_END = re.compile(r"[.!?。！？;；:：\"”’')\]…]$")
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
_CAPITALIZED_NAME = re.compile(r"^(?:[A-Z][\w'’.-]*\s*){1,5}$")


@dataclass(slots=True)  # not frozen: one is built per line, and frozen init costs three times as much
class _Context:
    doc: Document
    text: str  # stripped line
    norm: str
    words: int
    isolated: bool  # a block of its own: blank line (or document edge) before and after
    title_norm: str
    repeats_in_doc: int
    shared_across_documents: bool  # in at least `min_documents` documents
    mail_part: str = ""  # "header" or "signature" of an e-mail or Usenet post


def split_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, trimmed of surrounding white space; any line ending counts."""
    spans = []
    for match in _LINE_BODY.finditer(text):
        body = match.group()
        stripped = body.strip()
        if stripped:
            start = match.start() + (len(body) - len(body.lstrip()))
            spans.append((start, start + len(stripped)))
    return spans


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
    shared = _lines_shared_across_documents(documents, config) | known_boilerplate
    chunks = map_chunks(_clean_chunk, documents, config, shared, workers=workers, size=_text_size)
    return [lines for chunk in chunks for lines in chunk]


def _text_size(doc: Document) -> int:
    return len(doc.text)


def _clean_chunk(documents: list[Document], config: CleanConfig, shared: frozenset[str]) -> list[list[Line]]:
    rules = _active_rules(config)  # built where they run: lambdas do not travel to worker processes
    return [_clean_document(doc, rules, shared, config.enabled) for doc in documents]


def _lines_shared_across_documents(documents: list[Document], config: CleanConfig) -> frozenset[str]:
    """Normalized lines of 3+ words found in at least `min_documents` documents.

    A pass of its own, so only these lines are held for the whole corpus, not every line's normal form."""
    if not (config.enabled and config.repeated_across_documents):
        return frozenset()
    doc_frequency: Counter[str] = Counter()
    for doc in documents:
        norms = (normalize_line(doc.text[start:end]) for start, end in split_lines(doc.text))
        doc_frequency.update({norm for norm in norms if count_words(norm) >= 3})
    return frozenset(norm for norm, count in doc_frequency.items() if count >= config.min_documents)


def shared_boilerplate(documents: list[Document], lines: list[list[Line]]) -> list[str]:
    """The normalized lines dropped as repeated across documents, sorted: what `known_boilerplate` takes."""
    found = {
        normalize_line(doc.text[line.start : line.end])
        for doc, doc_lines in zip(documents, lines)
        for line in doc_lines
        if line.drop_reason == SHARED_REASON
    }
    return sorted(found)


Rules = list[tuple[str, Callable[[_Context], bool]]]
# Rules that judge a line by its shape and place, which mean nothing when the line is the whole document.
_SHAPE_RULES = frozenset({"title", "heading", "byline"})
_SHORT_DOCUMENT_LINES = 3


def _clean_document(doc: Document, rules: Rules, shared: frozenset[str], enabled: bool) -> list[Line]:
    spans = split_lines(doc.text)
    norms = [normalize_line(doc.text[s:e]) for s, e in spans]
    in_doc = Counter(norms)
    title_norm = normalize_line(_LEADING_DATE.sub("", doc.title)) if doc.title_is_heading else ""
    # Gap i precedes line i; the document's edges count as blank lines.
    blank_gap = [True, *(has_blank_line(doc.text[a[1] : b[0]]) for a, b in zip(spans, spans[1:])), True]
    mail_parts = mail_parts_of([doc.text[s:e] for s, e in spans], blank_gap)
    contexts = []
    for i, ((start, end), norm) in enumerate(zip(spans, norms)):
        contexts.append(_Context(
            doc=doc,
            text=doc.text[start:end],
            norm=norm,
            words=count_words(norm),
            isolated=blank_gap[i] and blank_gap[i + 1],
            title_norm=title_norm,
            repeats_in_doc=in_doc[norm],
            shared_across_documents=norm in shared,
            mail_part=mail_parts[i],
        ))
    reasons = [_first_reason(rules, ctx) if enabled else "" for ctx in contexts]
    if len(spans) <= _SHORT_DOCUMENT_LINES and reasons and all(reason in _SHAPE_RULES for reason in reasons):
        # A document too short to have a title, headings or bylines apart from its text (one line, two short
        # paragraphs) is all text: the rules that judge a line by its shape and place stand down.
        text_rules = [(name, rule) for name, rule in rules if name not in _SHAPE_RULES]
        reasons = [_first_reason(text_rules, ctx) for ctx in contexts]
    return [Line(doc.doc_id, start, end, reason) for (start, end), reason in zip(spans, reasons)]


def mail_parts_of(lines: list[str], blank_gap: list[bool]) -> list[str]:
    """Per line, "header" for the header block a post starts with (up to its first blank line: at least two known
    fields, the first line one of them; Subject and folded lines excepted), "signature" for the lines after a
    "-- " line near the end, else ""."""
    parts = [""] * len(lines)
    block_end = next((i + 1 for i in range(len(lines)) if blank_gap[i + 1]), len(lines))
    fields = [bool(_MAIL_HEADER.match(line)) for line in lines[:block_end]]
    if fields and fields[0] and sum(fields) >= 2:
        for i in range(block_end):
            if not _SUBJECT.match(lines[i]):
                parts[i] = "header"
    delimiters = [i for i, line in enumerate(lines) if line == _SIGNATURE_DELIMITER and i >= block_end]
    if delimiters and len(lines) - delimiters[-1] <= _SIGNATURE_MAX_LINES:
        for i in range(delimiters[-1], len(lines)):
            parts[i] = "signature"
    return parts


def _first_reason(rules: Rules, ctx: _Context) -> str:
    for name, rule in rules:
        if rule(ctx):
            return name
    return ""


def ends_sentence(line: str) -> bool:
    """True when a (stripped) line ends with sentence-ending punctuation or a closing quote or bracket."""
    return bool(_SENTENCE_END.search(line))


def has_blank_line(gap: str) -> bool:
    return gap.count("\n") + gap.replace("\r\n", "").count("\r") >= 2


def _any_pattern(patterns: list[str]) -> Callable[[str], bool]:
    """text -> does any pattern match; one search of one alternation when the patterns allow it."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ConfigError(f"config: clean.extra_patterns: {pattern!r} is not a valid regex ({exc})") from None
    # Groups would renumber (backreferences) or clash (names) inside an alternation; leading global flags
    # such as (?i) become flags scoped to their own alternative.
    if any(p.groups for p in compiled):
        return lambda text: any(p.search(text) for p in compiled)
    scoped = [_GLOBAL_FLAGS.sub(r"(?\1:", p, count=1) + ")" if _GLOBAL_FLAGS.match(p) else f"(?:{p})" for p in patterns]
    return re.compile("|".join(scoped)).search


def _active_rules(config: CleanConfig) -> Rules:
    any_pattern = _any_pattern(config.extra_patterns)
    rules: list[tuple[str, bool, Callable[[_Context], bool]]] = [
        ("mail_header", config.mail_headers, lambda c: c.mail_part == "header"),
        ("signature", config.mail_headers, lambda c: c.mail_part == "signature"),
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
            lambda c: c.words >= 3 and c.shared_across_documents,
        ),
        (
            "repeated_in_document",
            config.repeated_in_document,
            lambda c: c.words >= 3 and c.repeats_in_doc >= config.min_repeats,
        ),
        (
            "heading",
            config.heading,
            # A numbered Chinese heading is one even inside a run of lines without blank ones between.
            lambda c: (c.isolated or bool(_ZH_NUMBERED_HEADING.match(c.text)))
            and c.words <= config.heading_max_words
            and not ends_sentence(c.text),
        ),
        ("pattern", bool(config.extra_patterns), lambda c: bool(any_pattern(c.text))),
    ]
    return [(name, rule) for name, enabled, rule in rules if enabled]
