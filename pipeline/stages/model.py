"""Model: LDA over paragraphs (gensim), with one topic per theme anchored by its seed terms plus free topics."""

from __future__ import annotations

import logging
import warnings

import numpy as np
from gensim.models import LdaModel

from pipeline.config import ModelConfig
from pipeline.errors import ConfigError, PipelineWarning
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
    training = [row for row, keep in zip(vectors.bow, kept) if row and keep]
    if num_terms == 0 or not training:
        raise ConfigError(
            "no terms left to model after cleaning and vocabulary filters; "
            "lower vectorize.no_below or check that the input has text"
        )
    num_topics = topic_count(config.num_topics, len(seeded), len(training))
    seed_theme = list(seeded) + [""] * (num_topics - len(seeded))
    # Built without a corpus so nothing trains yet: the eta prior alone is too weak to anchor a topic under
    # variational Bayes, so seeded topics also start with their seeds' statistics before the first pass.
    model = LdaModel(
        id2word=vectors.dictionary,
        num_topics=num_topics,
        passes=config.passes,
        iterations=config.iterations,
        alpha=config.alpha,
        eta=_eta_matrix(seeded, config, num_topics, num_terms),
        chunksize=config.chunksize,
        random_state=np.random.RandomState(seed),
        eval_every=None,
        minimum_probability=0.0,
    )
    initial_mass = config.seed_weight * len(training)
    for k, ids in enumerate(seeded.values()):
        model.state.sstats[k, ids] += initial_mass
    model.sync_state()
    model.update(training)
    return TopicModel(
        model=model,
        topic_term=model.get_topics(),
        doc_topic=infer_doc_topic(model, [row if keep else [] for row, keep in zip(vectors.bow, kept)]),
        seed_theme=seed_theme,
    )


def topic_count(requested: int, n_seeded: int, n_paragraphs: int) -> int:
    """Topics to fit: free topics beyond the number of paragraphs could only split noise, so they are dropped."""
    fitted = max(n_seeded, min(requested, n_paragraphs))
    if fitted < requested:
        message = (
            f"model.num_topics = {requested} is more than the {n_paragraphs} paragraph(s) to model; "
            f"fitting {fitted} topic(s)"
        )
        warnings.warn(PipelineWarning(message, reason="num_topics"))
    return fitted


def _eta_matrix(seeded: dict[str, list[int]], config: ModelConfig, num_topics: int, num_terms: int) -> np.ndarray:
    """Topic-term prior: a seed term is likely in its theme's topic and unlikely in every other topic."""
    eta = np.full((num_topics, num_terms), config.eta)
    all_seed_ids = sorted({i for ids in seeded.values() for i in ids})
    if all_seed_ids:
        eta[:, all_seed_ids] = config.eta / 10
    for k, ids in enumerate(seeded.values()):
        eta[k, ids] = config.seed_weight
    return eta


def infer_doc_topic(model: LdaModel, bow: list[list[tuple[int, int]]]) -> np.ndarray:
    """Paragraph x topic proportions; paragraphs with no known terms get a zero row, not a made-up mixture."""
    theta = np.zeros((len(bow), model.num_topics))
    rows = [i for i, row in enumerate(bow) if row]
    if rows:
        gamma, _ = model.inference([bow[i] for i in rows])
        theta[rows] = gamma / gamma.sum(axis=1, keepdims=True)
    return theta
