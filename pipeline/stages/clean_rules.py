"""The cleaning rules: what marks a line as boilerplate, tried in a fixed order; the first that fires names the reason.

Each rule takes a document's lines (`DocumentLines`) and the indices of the lines no earlier rule has dropped,
and returns those it drops, in order: one pass per rule over a document instead of a Python call per rule and
line, with the same outcome as trying the rules line by line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from pipeline.config import CleanConfig
from pipeline.errors import ConfigError

SHARED_REASON = "repeated_across_documents"
_GLOBAL_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")

_RELEASE = re.compile(
    r"^(?:release time|release date|publish(?:ed)? (?:time|date)|published|source|editor|responsible editor|"
    r"editor in charge|author|"
    # Chinese page metadata, also after the page's leading date and time ("2024-03-05 09:30 来源：新华网").
    r"(?:\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*)?"
    r"(?:发布时间|发布日期|发布|时间|日期|来源|信息来源|文章来源|稿件来源|责任编辑|编辑|作者|审核|校对|监制))\s*[:：]",
    re.IGNORECASE,
)
LEADING_DATE = re.compile(r"^date\s+\d{4}-\d{2}-\d{2}\s*", re.IGNORECASE)
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
_SENTENCE_END_CHARS = frozenset(".!?。！？;；:：\"”’')]…")
_CAPITALIZED_NAME = re.compile(r"^(?:[A-Z][\w'’.-]*\s*){1,5}$")


@dataclass(slots=True)
class DocumentLines:
    """A document's non-blank lines and what the rules read about them, one list entry per line."""

    texts: list[str]  # stripped lines
    norms: list[str]  # lowercase, single spaces
    words: list[int]
    isolated: list[bool]  # a block of its own: blank line (or document edge) before and after
    mail_parts: list[str]  # "header" or "signature" of an e-mail or Usenet post, else ""
    title_norm: str  # the document's title, normalized, when it is a heading; else ""
    repeats: Counter[str]  # how often each normalized line occurs in the document
    shared: frozenset[str]  # normalized lines found in at least `min_documents` documents


Rule = Callable[[DocumentLines, list[int]], list[int]]
Rules = list[tuple[str, Rule]]


def first_reasons(lines: DocumentLines, rules: Rules) -> list[str]:
    """Per line, the name of the first rule that drops it, or ""."""
    reasons = [""] * len(lines.texts)
    undecided = list(range(len(reasons)))
    for name, rule in rules:
        if not undecided:
            break
        dropped = rule(lines, undecided)
        if dropped:
            for i in dropped:
                reasons[i] = name
            undecided = [i for i in undecided if not reasons[i]]
    return reasons


def ends_sentence(line: str) -> bool:
    """True when a (stripped) line ends with sentence-ending punctuation or a closing quote or bracket."""
    return line[-1:] in _SENTENCE_END_CHARS


def _mail_part(part: str, lines: DocumentLines, todo: list[int]) -> list[int]:
    parts = lines.mail_parts
    return [i for i in todo if parts[i] == part] if part in parts else []


# Titles, captions and bylines stand alone; inside a hard-wrapped paragraph the same words are content.
def _title(lines: DocumentLines, todo: list[int]) -> list[int]:
    title, norms, isolated = lines.title_norm, lines.norms, lines.isolated
    if not title:
        return []
    return [i for i in todo if isolated[i] and LEADING_DATE.sub("", norms[i]) == title]


def _release_time(lines: DocumentLines, todo: list[int]) -> list[int]:
    texts, match = lines.texts, _RELEASE.match
    return [i for i in todo if match(texts[i])]


def _byline(lines: DocumentLines, todo: list[int]) -> list[int]:
    texts, words, isolated = lines.texts, lines.words, lines.isolated
    byline, name = _BYLINE.search, _CAPITALIZED_NAME.match
    return [
        i for i in todo
        if isolated[i] and ((words[i] <= 12 and byline(texts[i])) or (words[i] <= 4 and name(texts[i])))
    ]


def _photo_caption(lines: DocumentLines, todo: list[int]) -> list[int]:
    texts, words, isolated = lines.texts, lines.words, lines.isolated
    starts, caption = _CAPTION_START.match, _CAPTION.search
    # A caption is short; the word limit also spares a search through a 50 MB line without breaks.
    return [i for i in todo if starts(texts[i]) or (isolated[i] and words[i] <= 60 and caption(texts[i]))]


def _quote_attribution(lines: DocumentLines, todo: list[int]) -> list[int]:
    texts, words, lead = lines.texts, lines.words, _ATTRIBUTION_LEAD
    return [
        i for i in todo
        if words[i] <= 60 and lead.match(texts[i]) and _ATTRIBUTION_BODY.search(lead.sub("", texts[i]))
    ]


def _shared_across_documents(lines: DocumentLines, todo: list[int]) -> list[int]:
    norms, words, shared = lines.norms, lines.words, lines.shared
    return [i for i in todo if words[i] >= 3 and norms[i] in shared] if shared else []


def _repeated_in_document(min_repeats: int, lines: DocumentLines, todo: list[int]) -> list[int]:
    norms, words, repeats = lines.norms, lines.words, lines.repeats
    return [i for i in todo if words[i] >= 3 and repeats[norms[i]] >= min_repeats]


def _heading(max_words: int, lines: DocumentLines, todo: list[int]) -> list[int]:
    texts, words, isolated = lines.texts, lines.words, lines.isolated
    # A numbered Chinese heading is one even inside a run of lines without blank ones between.
    numbered, ends = _ZH_NUMBERED_HEADING.match, _SENTENCE_END_CHARS
    return [
        i for i in todo
        if (isolated[i] or numbered(texts[i])) and words[i] <= max_words and texts[i][-1] not in ends
    ]


def _pattern(any_pattern: Callable[[str], object], lines: DocumentLines, todo: list[int]) -> list[int]:
    texts = lines.texts
    return [i for i in todo if any_pattern(texts[i])]


def active_rules(config: CleanConfig) -> Rules:
    """The enabled rules in the order they are tried (built where they run: closures do not travel to workers)."""
    rules: list[tuple[str, bool, Rule]] = [
        ("mail_header", config.mail_headers, partial(_mail_part, "header")),
        ("signature", config.mail_headers, partial(_mail_part, "signature")),
        ("title", config.title, _title),
        ("release_time", config.release_time, _release_time),
        ("byline", config.byline, _byline),
        ("photo_caption", config.photo_caption, _photo_caption),
        ("quote_attribution", config.quote_attribution, _quote_attribution),
        (SHARED_REASON, config.repeated_across_documents, _shared_across_documents),
        ("repeated_in_document", config.repeated_in_document, partial(_repeated_in_document, config.min_repeats)),
        ("heading", config.heading, partial(_heading, config.heading_max_words)),
        ("pattern", bool(config.extra_patterns), partial(_pattern, _any_pattern(config.extra_patterns))),
    ]
    return [(name, rule) for name, enabled, rule in rules if enabled]


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
