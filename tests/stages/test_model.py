import numpy as np
import pytest
import scipy.sparse as sp

from pipeline.config import ModelConfig
from pipeline.errors import ConfigError
from pipeline.stages.model import fit_topics
from pipeline.stages.model_tomotopy import fold_in, sample_rows
from pipeline.types import Paragraph

from .planted import FRUIT, SPACE, planted_paragraphs, planted_vectors


ENGINES = pytest.mark.parametrize("engine", ["tomotopy", "gensim"])


def fit(paragraphs, **settings):
    _, terms, kept, vectors = planted_vectors(paragraphs)
    settings.setdefault("seeded", True)
    config = ModelConfig(num_topics=2, passes=30, **settings)
    return fit_topics(vectors, kept, terms, config, seed=7), vectors


@ENGINES
def test_seeded_topics_recover_the_planted_themes(engine):
    model, vectors = fit(planted_paragraphs(), engine=engine)
    assert model.seed_theme == ["space", "fruit"]
    for k, words in enumerate([SPACE, FRUIT]):
        top = {vectors.terms[i] for i in np.argsort(-model.topic_term[k])[:7]}
        assert top == set(words.split())


@ENGINES
def test_paragraph_topic_rows_sum_to_one_and_follow_the_plant(engine):
    paragraphs = planted_paragraphs()
    model, _ = fit(paragraphs, engine=engine)
    assert np.allclose(model.doc_topic.sum(axis=1), 1.0)
    assert all(model.doc_topic[i, i % 2] > 0.9 for i in range(len(paragraphs)))


@ENGINES
def test_dropped_paragraphs_get_no_topic_mixture(engine):
    paragraphs = planted_paragraphs()
    paragraphs[0] = Paragraph("doc", 0, 0, 5, paragraphs[0].text, drop_reason="heading")
    model, _ = fit(paragraphs, engine=engine)
    assert model.doc_topic[0].sum() == 0.0


@ENGINES
def test_same_seed_gives_identical_topics(engine):
    first, _ = fit(planted_paragraphs(), engine=engine)
    second, _ = fit(planted_paragraphs(), engine=engine)
    assert np.array_equal(first.topic_term, second.topic_term)
    assert np.array_equal(first.doc_topic, second.doc_topic)


def test_fewer_topics_than_seeded_themes_names_the_key():
    _, terms, kept, vectors = planted_vectors(planted_paragraphs())
    with pytest.raises(ConfigError, match="model.num_topics = 1 is less than the 2 seeded themes"):
        fit_topics(vectors, kept, terms, ModelConfig(num_topics=1, seeded=True), seed=1)


@ENGINES
def test_unseeded_topics_separate_the_planted_themes(engine):
    model, vectors = fit(planted_paragraphs(), engine=engine, seeded=False, iterations=100)
    assert model.seed_theme == ["", ""]
    tops = [{vectors.terms[i] for i in np.argsort(-row)[:7]} for row in model.topic_term]
    assert sorted(map(sorted, tops)) == sorted(map(sorted, [set(SPACE.split()), set(FRUIT.split())]))


@ENGINES
def test_progress_counts_go_up_to_the_total_and_leave_the_model_unchanged(engine):
    _, terms, kept, vectors = planted_vectors(planted_paragraphs())
    config = ModelConfig(num_topics=2, passes=3, iterations=50, chunksize=4, seeded=True, engine=engine)
    calls = []
    watched = fit_topics(vectors, kept, terms, config, seed=7, progress=lambda done, total: calls.append((done, total)))
    plain = fit_topics(vectors, kept, terms, config, seed=7)
    assert np.array_equal(watched.topic_term, plain.topic_term)
    assert np.array_equal(watched.doc_topic, plain.doc_topic)
    done = [d for d, _ in calls]
    assert len(calls) > 1 and done == sorted(done)
    assert len({t for _, t in calls}) == 1 and done[-1] == calls[-1][1]


def test_replicates_report_each_model_fitted():
    from pipeline.stages.model import fit_replicates

    _, terms, kept, vectors = planted_vectors(planted_paragraphs())
    config = ModelConfig(num_topics=2, passes=2, seeds=3, seeded=True, engine="gensim")
    calls = []
    fit_replicates(vectors, kept, terms, config, seed=7, n_jobs=1, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_gibbs_sampling_stops_once_the_likelihood_levels_off_and_says_so():
    converged, _ = fit(planted_paragraphs(), engine="tomotopy", iterations=500, tolerance=0.01)
    assert converged.converged and 10 <= converged.sweeps < 500 and converged.sweeps % 10 == 0
    again, _ = fit(planted_paragraphs(), engine="tomotopy", iterations=500, tolerance=0.01)
    assert again.sweeps == converged.sweeps and np.array_equal(again.topic_term, converged.topic_term)
    every_sweep, _ = fit(planted_paragraphs(), engine="tomotopy", iterations=50, tolerance=0.0)
    assert (every_sweep.sweeps, every_sweep.converged) == (50, False)
    gensim, _ = fit(planted_paragraphs(), engine="gensim")
    assert (gensim.sweeps, gensim.converged) == (0, False)


def test_a_large_corpus_fits_on_a_seeded_sample_and_the_rest_is_folded_in():
    paragraphs = planted_paragraphs(n_per_theme=40)
    sampled, vectors = fit(paragraphs, engine="tomotopy", max_paragraphs=30)
    assert sampled.sampled == 30
    assert np.allclose(sampled.doc_topic.sum(axis=1), 1.0)
    # Sampled or folded in, every paragraph follows the plant.
    assert all(sampled.doc_topic[i, i % 2] > 0.9 for i in range(len(paragraphs)))
    again, _ = fit(paragraphs, engine="tomotopy", max_paragraphs=30)
    assert np.array_equal(again.doc_topic, sampled.doc_topic) and np.array_equal(again.topic_term, sampled.topic_term)
    everything, _ = fit(paragraphs, engine="tomotopy", max_paragraphs=0)
    assert everything.sampled == len(paragraphs)


def test_sample_rows_is_seeded_in_corpus_order_and_keeps_small_inputs_whole():
    rows = np.arange(100, 200)
    sample = sample_rows(rows, 10, seed=3)
    assert len(sample) == 10 and np.all(np.diff(sample) > 0) and set(sample) <= set(rows)
    assert np.array_equal(sample, sample_rows(rows, 10, seed=3))
    assert not np.array_equal(sample, sample_rows(rows, 10, seed=4))
    assert sample_rows(rows, 0, seed=3) is rows and sample_rows(rows, 100, seed=3) is rows


def test_fold_in_recovers_planted_proportions_under_fixed_topics():
    rng = np.random.default_rng(0)
    topic_term = rng.dirichlet(np.full(50, 0.1), size=4)
    planted = rng.dirichlet(np.full(4, 0.3), size=200)
    counts = sp.csr_matrix(np.array([rng.multinomial(300, row @ topic_term) for row in planted]))
    found = fold_in(topic_term, np.full(4, 0.1), counts, chunk_rows=64)  # chunks must not change the result
    assert np.allclose(found.sum(axis=1), 1.0)
    assert np.abs(found - planted).mean() < 0.03 < np.abs(planted - 0.25).mean()
    assert np.array_equal(found, fold_in(topic_term, np.full(4, 0.1), counts))
