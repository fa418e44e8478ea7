import numpy as np

from pipeline.config import LabelConfig, ModelConfig
from pipeline.stages.evidence import evidence_counts, seed_matrix
from pipeline.stages.label import UNLABELED, expand_lexicon, label_topics
from pipeline.stages.model import fit_topics
from pipeline.types import TopicModel

from .planted import planted_paragraphs, planted_vectors


def test_topics_take_the_theme_whose_terms_hold_their_mass():
    _, terms, kept, vectors = planted_vectors(planted_paragraphs())
    model = fit_topics(vectors, kept, terms, ModelConfig(num_topics=3, passes=30, seeded=True), seed=3)
    labels = label_topics(model, vectors, terms, LabelConfig())
    assert labels.theme[:2] == ["space", "fruit"]
    assert all(score > 0.1 for score in labels.score[:2])


def test_a_topic_without_lexicon_mass_is_unlabeled():
    _, terms, _, vectors = planted_vectors(planted_paragraphs())
    topic_term = np.zeros((1, len(vectors.terms)))
    topic_term[0, vectors.dictionary.token2id["juice"]] = 1.0
    model = TopicModel(model=None, topic_term=topic_term, doc_topic=np.zeros((vectors.counts.shape[0], 1)), seed_theme=[""])
    labels = label_topics(model, vectors, terms, LabelConfig(min_score=0.05))
    assert labels.theme == [UNLABELED]
    assert labels.top_terms[0] == [("juice", 1.0)]


def test_expansion_adds_co_occurring_terms_and_keeps_seeds():
    tokenized, terms, kept, vectors = planted_vectors(planted_paragraphs())
    seeds = seed_matrix(evidence_counts(tokenized, vectors, terms), terms)
    expanded = expand_lexicon(vectors.counts, seeds, LabelConfig(expand_iterations=2))
    vocab = vectors.dictionary.token2id
    space, fruit = 0, 1
    assert expanded.weights[vocab["orbit"], space] > 0  # co-occurs with the space seeds only
    assert expanded.weights[vocab["orbit"], fruit] == 0
    assert expanded.weights[vocab["juice"], fruit] > 0
    assert expanded.is_seed[vocab["rocket"], space] and not expanded.is_seed[vocab["orbit"], space]
    assert expanded.weights[vocab["rocket"], space] >= expanded.weights[vocab["orbit"], space]


def test_no_expansion_means_seed_weights_only():
    tokenized, terms, _, vectors = planted_vectors(planted_paragraphs())
    seeds = seed_matrix(evidence_counts(tokenized, vectors, terms), terms)
    expanded = expand_lexicon(vectors.counts, seeds, LabelConfig(expand_iterations=0))
    assert np.array_equal(expanded.weights > 0, expanded.is_seed)
