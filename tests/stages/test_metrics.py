"""pipeline/stages/metrics.py: coherence cross-checked against gensim's CoherenceModel, hand counts, and the other metrics."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models import CoherenceModel
from gensim.topic_coherence.text_analysis import WordOccurrenceAccumulator

from pipeline.config import ModelConfig
from pipeline.stages.metrics import (
    c_npmi,
    c_v,
    completion_split,
    exclusivity,
    heldout_perplexity,
    match_topics,
    reference_corpus,
    replicate_stability,
    top_term_ids,
    topic_diversity,
    u_mass,
)
from pipeline.stages.model import fit_topics

from stages.planted import planted_paragraphs, planted_vectors

MEASURES = {"c_npmi": c_npmi, "c_v": c_v, "u_mass": u_mass}


@pytest.fixture(scope="module")
def repeat_free_fixture():
    """60 texts of 3-24 distinct words over a 30-word vocabulary (some longer than the 10-token window), 4 topics."""
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(30)]
    texts = [list(rng.choice(vocab, size=rng.integers(3, 25), replace=False)) for _ in range(60)]
    topics = [list(rng.choice(vocab, 6, replace=False)) for _ in range(4)]
    return texts, Dictionary(texts), topics


@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_coherence_agrees_with_gensim_when_no_word_repeats_in_a_text(repeat_free_fixture, measure):
    texts, dictionary, topics = repeat_free_fixture
    ours = MEASURES[measure](
        np.array([[dictionary.token2id[w] for w in t] for t in topics]), reference_corpus(texts, dictionary.token2id)
    )
    theirs = CoherenceModel(
        topics=topics, texts=texts, dictionary=dictionary, coherence=measure, topn=6, processes=1
    ).get_coherence_per_topic()
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


def test_a_repeated_word_stays_in_its_window_unlike_gensims_accumulator():
    # "a a b" in windows of 2: [a a] and [a b]. a is in both windows and meets b in the second.
    texts = [["a", "a", "b"]]
    dictionary = Dictionary(texts)
    a, b = dictionary.token2id["a"], dictionary.token2id["b"]
    windows = reference_corpus(texts, dictionary.token2id, windows=(2,)).occurrences[2].toarray()
    assert windows.shape[0] == 2
    assert windows[:, a].sum() == 2 and (windows[:, a] * windows[:, b]).sum() == 1
    gensim_counts = WordOccurrenceAccumulator({a, b}, dictionary).accumulate(texts, 2)
    assert (gensim_counts[a], gensim_counts[a, b]) == (1, 0)  # why we count windows ourselves


def test_npmi_by_hand_words_always_together_score_one_never_together_minus_one():
    texts = [["a", "b"], ["a", "b"], ["c"], ["d"]]
    dictionary = Dictionary(texts)
    reference = reference_corpus(texts, dictionary.token2id)
    ids = dictionary.token2id
    together, apart = c_npmi(np.array([[ids["a"], ids["b"]], [ids["c"], ids["d"]]]), reference)
    assert together == pytest.approx(1.0, abs=1e-9)
    # never together: log((0 + eps) / (1/4 * 1/4)) / -log(0 + eps)
    assert apart == pytest.approx((np.log(1e-12) + np.log(16)) / -np.log(1e-12))
    # u_mass by hand: log((D(b, a) / N + eps) / (D(a) / N)) = log(1) for b after a.
    assert u_mass(np.array([[ids["a"], ids["b"]]]), reference)[0] == pytest.approx(0.0, abs=1e-9)


def test_top_terms_diversity_and_exclusivity():
    topic_term = np.array([[0.5, 0.3, 0.2, 0.0], [0.0, 0.1, 0.3, 0.6]])
    top = top_term_ids(topic_term, 2)
    assert top.tolist() == [[0, 1], [3, 2]]
    assert topic_diversity(top) == 1.0
    assert topic_diversity(np.array([[0, 1], [1, 0]])) == 0.5
    # p(w|k) / sum_j p(w|j) over top terms: (1 + 0.75 + 1 + 0.6) / 4
    assert exclusivity(topic_term, top) == pytest.approx((1 + 0.75 + 1 + 0.6) / 4)


def test_ties_in_top_terms_go_to_the_lower_id():
    assert top_term_ids(np.array([[0.25, 0.25, 0.25, 0.25]]), 2).tolist() == [[0, 1]]


def test_hungarian_matching_undoes_a_permutation():
    rng = np.random.default_rng(1)
    topics = rng.dirichlet(np.ones(20) * 0.1, size=5)
    order = np.array([3, 0, 4, 1, 2])
    matched, similarity = match_topics(topics, topics[order])
    assert (order[matched] == np.arange(5)).all()
    assert similarity == pytest.approx(np.ones(5))
    assert replicate_stability([topics, topics[order]]) == pytest.approx([1.0, 1.0])
    assert np.isnan(replicate_stability([topics])).all()


def test_stability_is_lower_for_unrelated_replicates():
    rng = np.random.default_rng(2)
    first, second = rng.dirichlet(np.ones(50) * 0.05, size=(2, 4))
    assert replicate_stability([first, second]).max() < 0.5


def test_completion_split_alternates_tokens():
    observed, evaluated = completion_split([[5, 6, 5, 7, 5]])
    assert observed == [[(5, 3)]] and evaluated == [[(6, 1), (7, 1)]]


def test_heldout_perplexity_is_low_on_text_like_the_training_and_high_on_unlike_text():
    paragraphs = planted_paragraphs()
    _, terms, kept, vectors = planted_vectors(paragraphs)
    model = fit_topics(vectors, kept, terms, ModelConfig(num_topics=2, passes=20), seed=3).model
    space = [vectors.dictionary.token2id[w] for w in ("rocket", "orbit", "launch", "satellite")]
    mixed = [vectors.dictionary.token2id[w] for w in ("rocket", "apple", "orbit", "banana")]
    alike = heldout_perplexity(model, *completion_split([space]))
    unlike = heldout_perplexity(model, *completion_split([mixed]))
    # Half of a space paragraph predicts the other half well; "rocket orbit" predicts "apple banana" badly.
    assert 1.0 < alike < len(vectors.terms) < unlike
    assert np.isnan(heldout_perplexity(model, [], []))
