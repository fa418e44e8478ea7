import numpy as np
import pytest

from pipeline.config import ModelConfig
from pipeline.errors import ConfigError
from pipeline.stages.model import fit_topics
from pipeline.types import Paragraph

from .planted import FRUIT, SPACE, planted_paragraphs, planted_vectors


def fit(paragraphs, **settings):
    _, terms, kept, vectors = planted_vectors(paragraphs)
    settings.setdefault("seeded", True)
    config = ModelConfig(num_topics=2, passes=30, **settings)
    return fit_topics(vectors, kept, terms, config, seed=7), vectors


def test_seeded_topics_recover_the_planted_themes():
    model, vectors = fit(planted_paragraphs())
    assert model.seed_theme == ["space", "fruit"]
    for k, words in enumerate([SPACE, FRUIT]):
        top = {vectors.terms[i] for i in np.argsort(-model.topic_term[k])[:7]}
        assert top == set(words.split())


def test_paragraph_topic_rows_sum_to_one_and_follow_the_plant():
    paragraphs = planted_paragraphs()
    model, _ = fit(paragraphs)
    assert np.allclose(model.doc_topic.sum(axis=1), 1.0)
    assert all(model.doc_topic[i, i % 2] > 0.9 for i in range(len(paragraphs)))


def test_dropped_paragraphs_get_no_topic_mixture():
    paragraphs = planted_paragraphs()
    paragraphs[0] = Paragraph("doc", 0, 0, 5, paragraphs[0].text, drop_reason="heading")
    model, _ = fit(paragraphs)
    assert model.doc_topic[0].sum() == 0.0


def test_same_seed_gives_identical_topics():
    first, _ = fit(planted_paragraphs())
    second, _ = fit(planted_paragraphs())
    assert np.array_equal(first.topic_term, second.topic_term)


def test_fewer_topics_than_seeded_themes_names_the_key():
    _, terms, kept, vectors = planted_vectors(planted_paragraphs())
    with pytest.raises(ConfigError, match="model.num_topics = 1 is less than the 2 seeded themes"):
        fit_topics(vectors, kept, terms, ModelConfig(num_topics=1, seeded=True), seed=1)
