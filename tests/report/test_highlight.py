"""pipeline/report/highlight.py: terms found on normalized tokens at exact offsets, and HTML-safe marking."""

from __future__ import annotations

from pipeline.config import TokenizeConfig
from pipeline.report.highlight import marked_html, term_spans
from pipeline.stages.tokenize import build_analyzer

ANALYZER = build_analyzer(TokenizeConfig())


def marked(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[start:end] for start, end in spans]


def test_terms_match_inflected_words_and_phrases_across_stopwords():
    text = "New Regulations uphold the Rule of Law; rules alone do not."
    spans = term_spans(text, ["regulation", "rule law"], ANALYZER)
    assert marked(text, spans) == ["Regulations", "Rule of Law"]


def test_the_longest_term_wins_and_spans_do_not_overlap():
    text = "Network security and data security matter for security."
    spans = term_spans(text, ["security", "network security", "data security"], ANALYZER)
    assert marked(text, spans) == ["Network security", "data security", "security"]


def test_no_terms_no_spans():
    assert term_spans("Anything at all.", [], ANALYZER) == []
    assert term_spans("Anything at all.", ["the"], ANALYZER) == []  # a stopword is never a term


def test_marked_html_escapes_the_text_and_marks_the_spans():
    text = '<script>alert("x")</script> cybersecurity & more'
    spans = term_spans(text, ["cybersecurity"], ANALYZER)
    html = marked_html(text, spans, limit=1000)
    assert "<script>" not in html
    assert html == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>cybersecurity</mark> &amp; more"


def test_long_text_is_cut_at_a_word_with_an_ellipsis():
    text = "security " * 50
    html = marked_html(text, term_spans(text, ["security"], ANALYZER), limit=40)
    assert html.endswith(" …")
    assert html.count("<mark>") == 4
    assert len(html.replace("<mark>", "").replace("</mark>", "")) <= 42
