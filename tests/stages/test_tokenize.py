"""pipeline/stages/tokenize.py: lowercase tokens without stopwords, lemmas or stems, learned phrases, seed terms."""

from __future__ import annotations

import socket

import nltk
import numpy as np
import pytest

from pipeline.config import TokenizeConfig
from pipeline.stages.tokenize import build_analyzer, seed_terms, tokenize
from pipeline.types import Lexicon, Paragraph

LEXICON = Lexicon(
    themes={"digital_economy": ["digital economy", "industry"], "governance": ["regulation", "rule of law"]}
)


def paragraphs(*texts: str, reasons: dict[int, str] | None = None) -> list[Paragraph]:
    reasons = reasons or {}
    return [Paragraph("d", i, 0, len(t), t, reasons.get(i, "")) for i, t in enumerate(texts)]


def tokens_of(*texts: str, **settings) -> list[list[str]]:
    settings.setdefault("phrases", False)
    return tokenize(paragraphs(*texts), TokenizeConfig(**settings)).tokens


def test_lowercase_and_stopwords_removed():
    assert tokens_of("The NETWORK and the Internet of THINGS") == [["network", "internet", "thing"]]


def test_lemmas_by_default():
    assert tokens_of("New regulations were written by companies") == [["new", "regulation", "write", "company"]]


@pytest.mark.parametrize(
    ("normalize", "expected"),
    [
        ("snowball", ["new", "regul", "written", "compani"]),
        ("porter", ["new", "regul", "written", "compani"]),
        ("none", ["new", "regulations", "written", "companies"]),
    ],
)
def test_stemmer_options(normalize, expected):
    assert tokens_of("New regulations were written by companies", normalize=normalize) == [expected]


def test_possessive_s_numbers_hyphens_and_short_words():
    text = "China's e-commerce grew 25 percent in 2024 x"
    assert tokens_of(text) == [["china", "e-commerce", "grow", "percent"]]
    assert tokens_of(text, keep_numbers=True) == [["china", "e-commerce", "grow", "25", "percent", "2024"]]
    assert tokens_of(text, min_length=1, keep_numbers=True)[0][-1] == "x"


def test_extra_stopwords_match_case_insensitively():
    assert tokens_of("Cyberspace governance in cyberspace", extra_stopwords=["CYBERSPACE"]) == [["governance"]]


def test_stopword_lists_are_selectable():
    text = "the regulations were made"
    assert tokens_of(text, stopwords=[]) == [["the", "regulation", "be", "make"]]
    assert tokens_of(text, stopwords=["gensim"]) == [["regulation"]]


def test_the_lexicon_plays_no_part_and_surfaces_are_the_written_forms():
    tokenized = tokenize(paragraphs("The Digital Economy and the industry.", "Rule of Law and regulations"), TokenizeConfig(phrases=False))
    assert tokenized.tokens == [["digital", "economy", "industry"], ["rule", "law", "regulation"]]
    assert tokenized.surface["regulation"] == "regulations"  # the form written in the text
    assert set(tokenized.surface) == {"digital", "economy", "industry", "rule", "law", "regulation"}


def test_frequent_collocations_are_learned_as_phrases():
    texts = [
        "Machine learning helps farmers plan harvests.",
        "Cities adopt machine learning for traffic.",
        "Schools teach machine learning to pupils.",
        "Hospitals use machine learning in diagnosis.",
        "Rivers flood every spring season.",
    ]
    tokenized = tokenize(paragraphs(*texts), TokenizeConfig())
    assert all("machine_learn" in tokens for tokens in tokenized.tokens[:4])
    assert tokenized.tokens[4] == ["river", "flood", "spring", "season"]
    assert tokenized.surface["machine_learn"] == "machine learning"
    assert tokenized.phraser is not None
    without = tokenize(paragraphs(*texts), TokenizeConfig(phrases=False))
    assert without.tokens[0][:2] == ["machine", "learn"] and without.phraser is None


def test_a_given_phraser_is_applied_instead_of_learning_one():
    texts = [f"{place} adopt machine learning today." for place in ("Cities", "Schools", "Farms", "Ports")]
    learned = tokenize(paragraphs(*texts), TokenizeConfig()).phraser
    new = tokenize(paragraphs("Machine learning again.", "Rivers flood."), TokenizeConfig(), phraser=learned)
    assert new.tokens == [["machine_learn"], ["river", "flood"]]
    assert new.phraser is learned
    assert tokenize(paragraphs("Machine learning again."), TokenizeConfig()).tokens == [["machine", "learn"]]


def test_tokens_align_with_paragraphs_and_dropped_ones_are_empty():
    texts = ["Network security matters.", "Read more stories on our homepage.", "Data security too."]
    tokenized = tokenize(
        paragraphs(*texts, reasons={1: "repeated_across_documents"}), TokenizeConfig(phrases=False)
    )
    assert tokenized.tokens == [["network", "security", "matter"], [], ["data", "security"]]
    assert "homepage" not in tokenized.surface


def test_seed_terms_are_normalized_like_the_corpus():
    analyzer = build_analyzer(TokenizeConfig())
    lexicon = Lexicon(
        themes={"governance": ["Regulations", "rule of law", "the"], "economy": ["e-commerce", "industry"]}
    )
    assert seed_terms(lexicon, analyzer) == {
        "governance": ["regulation", "rule_law"],
        "economy": ["e-commerce", "industry"],
    }


def test_tokenize_needs_no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network or nltk.download used")

    monkeypatch.setattr(nltk, "download", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for normalize in ("lemma", "snowball", "porter", "none"):
        tokenized = tokenize(
            paragraphs("Regulations of the digital economy", "The digital economy of regulations", "Regulations grow"),
            TokenizeConfig(normalize=normalize),
        )
        assert tokenized.tokens[0], normalize


def test_worker_processes_and_chunking_do_not_change_the_result(monkeypatch):
    texts = [f"Machine learning and {word} networks in paragraph {i}." for i, word in enumerate(["neural", "data"] * 20)]
    one = tokenize(paragraphs(*texts), TokenizeConfig(phrase_min_count=2), workers=1)
    monkeypatch.setattr("pipeline.stages.chunks.CHUNK_CHARS", 100)
    two = tokenize(paragraphs(*texts), TokenizeConfig(phrase_min_count=2), workers=2)
    assert two.vocabulary == one.vocabulary and two.surface == one.surface
    assert np.array_equal(two.token_ids.ids, one.token_ids.ids) and np.array_equal(two.token_ids.offsets, one.token_ids.offsets)
    assert "machine_learn" in one.vocabulary


def test_seed_spellings_map_each_normalized_seed_to_its_first_written_form():
    from pipeline.stages.tokenize import seed_spellings

    lexicon = Lexicon(themes={"law": ["rule of law", "Rule  of the law", "laws"], "other": ["law"]})
    spelled = seed_spellings(lexicon, build_analyzer(TokenizeConfig()))
    assert spelled == {"rule_law": "rule of law", "law": "laws"}
