"""The lexicon audit: planted topics the seeds do or do not reach, and evidence terms of known shapes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from pipeline.config import LabelConfig, TokenizeConfig
from pipeline.errors import PipelineWarning
from pipeline.stages.audit import audit_corpus, audit_lexicon, evidence_shapes, term_shapes, warn_about_coverage
from pipeline.stages.evidence import evidence_counts, seed_matrix
from pipeline.stages.label import expand_lexicon, label_topics
from pipeline.types import EvidenceCounts, Lexicon, LexiconAudit, Paragraph, ThemeTerms, TopicAudit, TopicModel
from stages.planted import FRUIT, LEXICON, SPACE, planted_paragraphs, planted_vectors

SPACE_ONLY = Lexicon(themes={"space": ["rocket", "satellite"]})


def planted_audit(lexicon: Lexicon) -> LexiconAudit:
    """Two planted topics (space, fruit) given as an exact model; the lexicon seeds one or both."""
    paragraphs = planted_paragraphs(10)
    tokenized, theme_terms, kept, vectors = planted_vectors(paragraphs, lexicon)
    topic_term = np.array([[float(t in words.split()) for t in vectors.terms] for words in (SPACE, FRUIT)])
    topic_term /= topic_term.sum(axis=1, keepdims=True)
    doc_topic = np.array([[1.0, 0.0] if i % 2 == 0 else [0.0, 1.0] for i in range(len(paragraphs))])
    model = TopicModel(model=None, topic_term=topic_term, doc_topic=doc_topic, seed_theme=["", ""])
    config = LabelConfig()
    evidence = evidence_counts(tokenized, vectors, theme_terms)
    labels = label_topics(model, vectors, theme_terms, config)
    expanded = expand_lexicon(evidence.counts, seed_matrix(evidence, theme_terms), config)
    corpus = audit_corpus(vectors, evidence, expanded, theme_terms, paragraphs, kept, tokenized, TokenizeConfig())
    return audit_lexicon(model, labels, vectors, evidence, expanded, theme_terms, corpus)


def test_a_topic_no_seed_reaches_is_uncovered_and_names_its_nearest_theme():
    audit = planted_audit(SPACE_ONLY)
    assert [t.covered for t in audit.topics] == [True, False]
    assert audit.uncovered_topic_share == pytest.approx(0.5)
    fruit = audit.topics[1]
    assert fruit.nearest_theme == "space" and fruit.similarity == 0.0 and fruit.theme == "unlabeled"
    assert {term for term, _ in fruit.top_terms} == set(FRUIT.split())
    # Two seeds of seven words in every other paragraph.
    assert audit.seed_token_share == pytest.approx(1 / 7) and audit.seeded_paragraph_share == pytest.approx(0.5)


def test_a_lexicon_seeding_every_topic_leaves_none_uncovered():
    audit = planted_audit(LEXICON)
    assert all(t.covered for t in audit.topics) and audit.uncovered_topic_share == 0.0
    assert audit.topics[1].nearest_theme == "fruit" and audit.topics[1].similarity > 0.3


def test_term_shapes_read_addresses_hosts_numbers_and_names_off_the_text():
    texts = [
        "From: jsmith@cs.cmu.edu (John Smith)",
        "Posted via news.cs.cmu.edu by the hockey fan club; call 555 or see www.nhl.com today.",
        "We met Smith and later Smith again, and the team played hockey. Team spirit matters, says John Smith.",
        "In 1993 the club won.",
    ]
    shapes = term_shapes({"jsmith", "cmu", "smith", "hockey", "team", "555", "1993", "nhl", "club", "john_smith"}, texts)
    assert shapes["jsmith"] == "email"
    assert shapes["cmu"] == "email"  # once in an address, once in a host name: the address wins the tie
    assert shapes["nhl"] == "host"
    assert shapes["smith"] == "name" and shapes["john_smith"] == "name"
    assert shapes["555"] == "number" and shapes["1993"] == "number"
    # Capitalized only at a sentence start, or never: ordinary words.
    assert "team" not in shapes and "hockey" not in shapes and "club" not in shapes


def test_warnings_for_low_coverage_and_for_evidence_made_of_addresses():
    topics = [TopicAudit(0, 0.7, 0.0, False, "unlabeled", [], "a", 0.1), TopicAudit(1, 0.3, 0.2, True, "a", [], "a", 0.9)]
    shapes = {"a": {"name": 0.3, "email": 0.25, "host": 0.0, "number": 0.0}, "b": dict.fromkeys(("name", "email"), 0.1)}
    audit = LexiconAudit(100, 0.01, 0.02, 0.1, 0.7, topics, shapes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_about_coverage(audit)
    messages = [(w.message.reason, str(w.message)) for w in caught if isinstance(w.message, PipelineWarning)]
    assert [reason for reason, _ in messages] == ["low_coverage", "evidence_shape"]
    assert "70% of the topic mass is in 1 of 2 topics" in messages[0][1]
    assert "lexicon theme 'a': 55% of its evidence is names, e-mail addresses" in messages[1][1]


def test_a_covering_lexicon_gives_no_warning():
    audit = LexiconAudit(100, 0.2, 0.3, 0.9, 0.1, [TopicAudit(0, 1.0, 0.2, True, "a", [], "a", 0.9)], {"a": {"name": 0.2}})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_about_coverage(audit)
    assert not caught


def test_seeds_are_never_suspect_evidence():
    texts = ["Israel and Israel met Acme there.", "We saw Israel, then Acme."]
    paragraphs = [Paragraph("d", i, 0, len(t), t) for i, t in enumerate(texts)]
    evidence = EvidenceCounts(counts=sp.csr_matrix(np.array([[2.0, 1.0], [1.0, 1.0]])), terms=["israel", "acme"], surface={})
    terms = ThemeTerms(weights=np.array([[1.0], [1.0]]), is_seed=np.array([[True], [False]]))
    shapes = evidence_shapes(terms, np.array([3.0, 2.0]), evidence, ["mideast"], [p.text for p in paragraphs])
    assert shapes["mideast"]["name"] == pytest.approx(2 / 5)
