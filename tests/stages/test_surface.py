"""pipeline/stages/surface.py: each shown term as the span people most often wrote for it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from pipeline.config import TokenizeConfig
from pipeline.stages.surface import count_spans, evidence_terms, readable_evidence, surface_forms
from pipeline.stages.tokenize import tokenize
from pipeline.types import Paragraph


def paragraphs(*texts: str, dropped: str = "") -> list[Paragraph]:
    return [Paragraph(doc_id="d", index=i, start=0, end=len(t), text=t, drop_reason=dropped) for i, t in enumerate(texts)]


def forms(texts: list[str], terms: list[str], **settings) -> dict[str, str]:
    config = TokenizeConfig(phrases=False, **settings)
    given = paragraphs(*texts)
    return surface_forms(given, tokenize(given, config), terms, config)


def test_a_phrase_shows_its_stopwords_and_the_order_written():
    texts = ["We uphold the rule of law.", "The rule of law matters; rule of  law again.", "A rule, law."]
    assert forms(texts, ["rule_law"]) == {"rule_law": "rule of law"}


def test_the_most_frequent_span_wins_and_ties_go_to_fewer_capitals_then_the_alphabet():
    assert forms(["the policies hold", "a policy and its policies"], ["policy"]) == {"policy": "policies"}
    assert forms(["we met in China", "and china too"], ["china"]) == {"china": "china"}
    assert forms(["a good plan", "a better plan"], ["good"]) == {"good": "better"}


def test_capitals_come_from_inside_sentences_not_from_their_starts():
    texts = ["Socialism with Chinese characteristics.", "They build socialism with Chinese characteristics."]
    texts += ["Development first. Development again.", "we want development"]
    found = forms(texts, ["socialism_chinese", "development"])
    assert found == {"socialism_chinese": "socialism with Chinese", "development": "development"}


def test_headings_do_not_count_and_a_possessive_is_cut():
    config = TokenizeConfig(phrases=False)
    given = paragraphs("China's economy grows in China.") + [
        Paragraph(doc_id="d", index=9, start=0, end=9, text="NATIONAL CHINA", drop_reason="heading")
    ] * 3
    assert surface_forms(given, tokenize(given, config), ["china"], config) == {"china": "China"}


def test_a_span_across_punctuation_is_not_a_surface_form():
    texts = ["growth; trade", "growth: trade", "growth, trade", "growth and trade"]
    assert forms(texts, ["growth_trade"]) == {"growth_trade": "growth and trade"}
    assert forms(texts[:3], ["growth_trade"]) == {"growth_trade": "growth trade"}


def test_a_term_never_written_keeps_the_tokenizer_form():
    assert forms(["economic growth"], ["digital_economy"]) == {"digital_economy": "digital economy"}


def test_the_result_does_not_depend_on_paragraph_order():
    texts = ["Rule of law here", "the rule of law", "rule of Law", "a Rule of Law"]
    assert forms(texts, ["rule_law"]) == forms(texts[::-1], ["rule_law"]) == {"rule_law": "rule of law"}


def test_evidence_strings_are_read_and_rewritten_term_by_term():
    evidence = ["rule_law*:2.10; court:0.40", "", "china:1.00"]
    assert evidence_terms(evidence) == {"rule_law", "court", "china"}
    display = {"rule_law": "rule of law", "china": "China"}
    assert [readable_evidence(e, display) for e in evidence] == ["rule of law*:2.10; court:0.40", "", "China:1.00"]


def test_counting_stops_after_enough_spans_of_a_term(monkeypatch):
    import pipeline.stages.surface as surface

    monkeypatch.setattr(surface, "SPANS_PER_TERM", 2)
    texts = ["we need policy", "we need policy", "we need policies", "we need policies", "we need policies"]
    assert forms(texts, ["policy", "need"]) == {"policy": "policy", "need": "need"}


def test_word_starts_kept_by_the_tokenizer_give_the_counts_of_reading_every_paragraph_again():
    texts = [
        "China's rule of law. The Rule of Law, and RULE OF LAW!", "İstanbul hosts the rule of law talks in China.",
        "Naïve ſtate policies; the policies' reach - e-commerce and E-Commerce.", "数字经济 and the digital economy of China",
        "  Rule   of\nlaw  ", "",
    ]
    config = TokenizeConfig(phrases=False)
    given = paragraphs(*texts)
    tokenized = tokenize(given, config)
    assert tokenized.starts is not None and tokenized.starts.dtype == np.uint16
    terms = ["china", "rule_law", "policy", "e-commerce", "economy", "digital_economy", "istanbul", "law"]
    with_starts = count_spans(given, tokenized, terms, config)
    read_again = count_spans(given, replace(tokenized, starts=None), terms, config)
    assert with_starts == read_again
    assert with_starts.spans["rule_law"] == {"rule of law": 5}


def test_word_starts_past_two_bytes_are_kept_wider():
    config = TokenizeConfig(phrases=False)
    given = paragraphs("word " * 14_000 + "China at the end")
    tokenized = tokenize(given, config)
    assert tokenized.starts.dtype == np.int32
    assert surface_forms(given, tokenized, ["china"], config) == {"china": "China"}
