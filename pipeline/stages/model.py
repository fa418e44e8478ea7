"""Model: LDA over paragraphs (gensim), with one topic per theme anchored by its seed terms plus free topics."""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from gensim.matutils import Sparse2Corpus
from gensim.models import LdaModel

from pipeline.config import ModelConfig
from pipeline.errors import ConfigError
from pipeline.stages.model_tomotopy import fit_gibbs
from pipeline.types import TopicModel, Vectors

# gensim logs every pass at INFO; our progress display says what matters.
logging.getLogger("gensim").setLevel(logging.WARNING)


def fit_topics(
    vectors: Vectors, kept: list[bool], theme_terms: dict[str, list[str]], config: ModelConfig, *, seed: int
) -> TopicModel:
    """Fit LDA; topic k < number of seeded themes is anchored to that theme through the eta prior."""
    vocab = vectors.dictionary.token2id
    seeded = {theme: [vocab[t] for t in terms if t in vocab] for theme, terms in theme_terms.items()}
    seeded = {theme: ids for theme, ids in seeded.items() if ids} if config.seeded else {}
    if len(seeded) > config.num_topics:
        raise ConfigError(
            f"config: model.num_topics = {config.num_topics} is less than the {len(seeded)} seeded themes; "
            f"use at least {len(seeded)} or set model.seeded = false"
        )
    num_terms = len(vocab)
    lengths = np.diff(vectors.counts.indptr)
    training_rows = np.flatnonzero(np.asarray(kept, dtype=bool) & (lengths > 0))
    if num_terms == 0 or not len(training_rows):
        raise ConfigError(
            "no terms left to model after cleaning and vocabulary filters; "
            "lower vectorize.no_below or check that the input has text"
        )
    seed_theme = list(seeded) + [""] * (config.num_topics - len(seeded))
    if config.engine == "tomotopy":
        model, topic_term, fitted = fit_gibbs(vectors.counts, training_rows, vectors.terms, seeded, config, seed=seed)
        doc_topic = np.zeros((vectors.counts.shape[0], config.num_topics))
        doc_topic[training_rows] = fitted
        return TopicModel(model=model, topic_term=topic_term, doc_topic=doc_topic, seed_theme=seed_theme)
    # Built without a corpus so nothing trains yet: the eta prior alone is too weak to anchor a topic under
    # variational Bayes, so seeded topics also start with their seeds' statistics before the first pass.
    model = LdaModel(
        id2word=vectors.dictionary,
        num_topics=config.num_topics,
        passes=config.passes,
        iterations=config.iterations,
        alpha=config.alpha,
        eta=_eta_matrix(seeded, config, num_terms),
        chunksize=config.chunksize,
        random_state=np.random.RandomState(seed),
        eval_every=None,
        minimum_probability=0.0,
    )
    initial_mass = config.seed_weight * len(training_rows)
    for k, ids in enumerate(seeded.values()):
        model.state.sstats[k, ids] += initial_mass
    model.sync_state()
    doc_topic = np.zeros((vectors.counts.shape[0], config.num_topics))
    doc_topic[training_rows] = _train_keeping_last_pass(model, bow_corpus(vectors.counts, training_rows))
    return TopicModel(model=model, topic_term=model.get_topics(), doc_topic=doc_topic, seed_theme=seed_theme)


def _train_keeping_last_pass(model: LdaModel, corpus: Sparse2Corpus) -> np.ndarray:
    """Train `model` on `corpus`; each paragraph's topic proportions from its E-step in the last pass.

    A separate inference afterwards would cost one more pass over the corpus (a third of the fit at
    passes = 3); the last pass's E-step already holds each paragraph's posterior under the nearly final
    model, at no cost.
    """
    gammas = np.zeros((len(corpus), model.num_topics))
    position = 0
    estep = model.do_estep

    def recording_estep(chunk, state=None):
        nonlocal position
        gamma = estep(chunk, state)
        start = position % len(corpus)  # every pass overwrites the previous one's rows
        gammas[start : start + len(gamma)] = gamma
        position += len(gamma)
        return gamma

    model.do_estep = recording_estep  # an instance attribute, removed below so the saved model is plain gensim
    try:
        model.update(corpus)
    finally:
        del model.do_estep
    return gammas / gammas.sum(axis=1, keepdims=True)


def bow_corpus(counts: sp.csr_matrix, rows: np.ndarray) -> Sparse2Corpus:
    """The chosen rows of a count matrix as a gensim corpus, streamed row by row (no lists of tuples kept)."""
    return Sparse2Corpus(counts[rows], documents_columns=False)


def _eta_matrix(seeded: dict[str, list[int]], config: ModelConfig, num_terms: int) -> np.ndarray:
    """Topic-term prior: a seed term is likely in its theme's topic and unlikely in every other topic."""
    eta = np.full((config.num_topics, num_terms), config.eta)
    all_seed_ids = sorted({i for ids in seeded.values() for i in ids})
    if all_seed_ids:
        eta[:, all_seed_ids] = config.eta / 10
    for k, ids in enumerate(seeded.values()):
        eta[k, ids] = config.seed_weight
    return eta


def infer_doc_topic(model: LdaModel, counts: sp.csr_matrix, rows: np.ndarray, chunk_rows: int = 10_000) -> np.ndarray:
    """Paragraph x topic proportions for `rows` (others get a zero row, not a made-up mixture), in chunks."""
    theta = np.zeros((counts.shape[0], model.num_topics))
    for start in range(0, len(rows), chunk_rows):
        chunk = rows[start : start + chunk_rows]
        gamma, _ = model.inference(list(bow_corpus(counts, chunk)))
        theta[chunk] = gamma / gamma.sum(axis=1, keepdims=True)
    return theta
