"""Find a theme's terms in a paragraph's original text, the way the pipeline found them, and mark them in HTML.

Terms are matched on normalized tokens (the run's own analyzer: stopwords, lemmas or stems), so "regulations"
matches the term "regulation" and "rule of law" matches "rule law" (its stopword was dropped when tokenizing).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from pipeline.stages.tokenize import PHRASE_JOIN, Analyzer, join_phrases, word_spans


def term_spans(text: str, terms: Iterable[str], analyzer: Analyzer) -> list[tuple[int, int]]:
    """[start, end) spans of `text` where one of `terms` (display forms) occurs; longest match first."""
    wanted = {tuple(token for token, _ in analyzer(term)) for term in terms} - {()}
    words = [(start, end, pair[0]) for start, end in word_spans(text) for pair in analyzer(text[start:end])]
    joined = join_phrases([token for _, _, token in words], {w for w in wanted if len(w) > 1})
    spans, i = [], 0
    for token in joined:
        parts = tuple(token.split(PHRASE_JOIN))
        if parts in wanted:
            spans.append((words[i][0], words[i + len(parts) - 1][1]))
        i += len(parts)
    return spans


def marked_html(text: str, spans: list[tuple[int, int]], limit: int) -> str:
    """`text` HTML-escaped with each span in <mark>, cut after `limit` characters (at a word) with an ellipsis."""
    end = len(text) if len(text) <= limit else text.rfind(" ", 0, limit) if " " in text[:limit] else limit
    out, at = [], 0
    for start, stop in spans:
        if stop > end:
            break
        out.append(escape(text[at:start]) + f"<mark>{escape(text[start:stop])}</mark>")
        at = stop
    out.append(escape(text[at:end]))
    if end < len(text):
        out.append(" …")
    return "".join(out)
