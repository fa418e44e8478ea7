"""pipeline/stages/evidence.py: seeds counted on the word sequence, phrases and filtered-out seeds included."""

from __future__ import annotations

import numpy as np

from pipeline.config import TokenizeConfig, VectorizeConfig
from pipeline.stages.evidence import evidence_counts, seed_matrix
from pipeline.stages.tokenize import build_analyzer, seed_terms, tokenize
from pipeline.stages.vectorize import vectorize
from pipeline.types import Lexicon, Paragraph

LEXICON = Lexicon(themes={"economy": ["digital economy", "industry"], "law": ["rule of law", "statute"]})
TEXTS = [
    "The Digital Economy and the industry grow.",
    "Digital economy, Rule of Law and industry.",
    "Industry and the digital economy; industry again.",
    "A statute.",
]


def evidence_for(texts, **tokenize_settings):
    paragraphs = [Paragraph("d", i, 0, len(t), t) for i, t in enumerate(texts)]
    config = TokenizeConfig(**{"phrases": False, **tokenize_settings})
    tokenized = tokenize(paragraphs, config)
    vectors = vectorize(tokenized, [True] * len(texts), VectorizeConfig(no_below=2, no_above=1.0))
    terms = seed_terms(LEXICON, build_analyzer(config))
    return evidence_counts(tokenized, vectors, terms), vectors, terms


def count(evidence, row, term):
    return evidence.counts[row, evidence.terms.index(term)]


def test_seed_phrases_are_counted_as_one_term_with_a_readable_surface():
    evidence, vectors, _ = evidence_for(TEXTS)
    assert [count(evidence, i, "digital_economy") for i in range(4)] == [1, 1, 1, 0]
    assert count(evidence, 1, "rule_law") == 1
    assert evidence.surface["digital_economy"] == "digital economy"
    # Words inside a matched seed phrase are not counted again on their own.
    assert count(evidence, 0, "digital") == 0 and "digital" in vectors.terms


def test_vocabulary_columns_come_first_and_seeds_the_filters_dropped_are_added():
    evidence, vectors, _ = evidence_for(TEXTS)
    assert evidence.terms[: len(vectors.terms)] == vectors.terms
    assert "statute" not in vectors.terms and count(evidence, 3, "statute") == 1  # seen once: below no_below
    assert count(evidence, 2, "industry") == 2


def test_seed_matrix_marks_each_theme_seed_columns():
    evidence, _, terms = evidence_for(TEXTS)
    seeds = seed_matrix(evidence, terms)
    marked = {(evidence.terms[i], j) for i, j in zip(*np.nonzero(seeds))}
    assert marked == {("digital_economy", 0), ("industry", 0), ("rule_law", 1), ("statute", 1)}


def test_learned_phrases_keep_their_vocabulary_counts():
    texts = ["machine learning helps", "machine learning again", "machine learning more", "the statute"]
    evidence, vectors, _ = evidence_for(texts, phrases=True, phrase_min_count=2)
    assert "machine_learn" in vectors.terms
    column = vectors.terms.index("machine_learn")
    assert np.array_equal(evidence.counts[:, column].toarray(), vectors.counts[:, column].toarray())



def test_corpus_phrase_joining_seeds_counts_for_each_seed_inside():
    # The tokenizer joins "industry statute"; both words are seeds (of two themes) and must still count.
    texts = ["industry statute applies", "industry statute again", "industry statute more", "a statute"]
    paragraphs = [Paragraph("d", i, 0, len(t), t) for i, t in enumerate(texts)]
    config = TokenizeConfig(phrases=True, phrase_min_count=2, phrase_threshold=-0.9)
    tokenized = tokenize(paragraphs, config)
    vectors = vectorize(tokenized, [True] * len(texts), VectorizeConfig(no_below=2, no_above=1.0))
    terms = seed_terms(LEXICON, build_analyzer(config))
    evidence = evidence_counts(tokenized, vectors, terms)
    assert "industry_statute" in evidence.terms
    seeds = seed_matrix(evidence, terms)
    assert seeds[evidence.terms.index("industry_statute")].tolist() == [1.0, 1.0]
    assert seeds[evidence.terms.index("statute")].tolist() == [0.0, 1.0]
