"""Model: LDA over paragraphs (tomotopy Gibbs sampling or gensim variational Bayes), with one topic per theme
anchored by its seed terms plus free topics. Either way the fitted model is a gensim LdaModel, so saved runs
load and apply the same way."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import scipy.sparse as sp
from gensim.matutils import Sparse2Corpus
from gensim.models import LdaModel

from pipeline.config import ModelConfig
from pipeline.errors import ConfigError, PipelineWarning
from pipeline.stages.parallel import map_in_order
from pipeline.stages.model_tomotopy import fit_gibbs
from pipeline.types import ProgressHook, TopicModel, Vectors

# gensim logs every pass at INFO; our progress display says what matters.
logging.getLogger("gensim").setLevel(logging.WARNING)


def fit_topics(
    vectors: Vectors,
    kept: list[bool],
    theme_terms: dict[str, list[str]],
    config: ModelConfig,
    *,
    seed: int,
    progress: ProgressHook | None = None,
) -> TopicModel:
    """Fit LDA; topic k < number of seeded themes is anchored to that theme through the eta prior.

    `progress(done, total)` counts paragraphs over all passes (gensim) or sampling iterations (tomotopy)."""
    seeded = seeded_term_ids(vectors, theme_terms, config)
    if len(seeded) > config.num_topics:
        raise ConfigError(
            f"config: model.num_topics = {config.num_topics} is less than the {len(seeded)} seeded themes; "
            f"use at least {len(seeded)} or set model.seeded = false"
        )
    num_terms = len(vectors.dictionary)
    lengths = np.diff(vectors.counts.indptr)
    training_rows = np.flatnonzero(np.asarray(kept, dtype=bool) & (lengths > 0))
    if num_terms == 0 or not len(training_rows):
        raise ConfigError(
            "no terms left to model after cleaning and vocabulary filters; "
            "lower vectorize.no_below or check that the input has text"
        )
    num_topics = topic_count(config.num_topics, len(seeded), len(training_rows))
    seed_theme = list(seeded) + [""] * (num_topics - len(seeded))
    if config.engine == "tomotopy":
        config = config.model_copy(update={"num_topics": num_topics})
        model, fitted, sweeps, converged, sampled = fit_gibbs(
            vectors, training_rows, seeded, config, seed=seed, progress=progress
        )
        doc_topic = np.zeros((vectors.counts.shape[0], num_topics))
        doc_topic[training_rows] = fitted
        return TopicModel(
            model=model, topic_term=model.get_topics(), doc_topic=doc_topic, seed_theme=seed_theme, sweeps=sweeps,
            converged=converged, sampled=sampled,
        )
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
    initial_mass = config.seed_weight * len(training_rows)
    for k, ids in enumerate(seeded.values()):
        model.state.sstats[k, ids] += initial_mass
    model.sync_state()
    corpus = bow_corpus(vectors.counts, training_rows)
    every = min(config.chunksize, len(training_rows))  # at least once a pass
    model.update(_Counted(corpus, config.passes, every, progress) if progress else corpus)
    return TopicModel(
        model=model,
        topic_term=model.get_topics(),
        doc_topic=_doc_topic(model, vectors.counts, training_rows),
        seed_theme=seed_theme,
    )


def bow_corpus(counts: sp.csr_matrix, rows: np.ndarray) -> Sparse2Corpus:
    """The chosen rows of a count matrix as a gensim corpus, streamed row by row (no lists of tuples kept)."""
    return Sparse2Corpus(counts[rows], documents_columns=False)


class _Counted:
    """A corpus that yields the same rows and calls progress(rows yielded over all passes, rows x passes) after each
    chunk: gensim reads the corpus once per pass, and offers no hook of its own without evaluating perplexity."""

    def __init__(self, corpus: Sparse2Corpus, passes: int, every: int, progress: ProgressHook):
        self.corpus, self.progress, self.every = corpus, progress, max(1, every)
        self.total = len(corpus) * passes
        self.done = 0

    def __len__(self) -> int:
        return len(self.corpus)

    def __iter__(self):
        for row in self.corpus:
            yield row
            self.done += 1
            if self.done % self.every == 0 or self.done == self.total:
                self.progress(min(self.done, self.total), self.total)


def _doc_topic(model: LdaModel, counts: sp.csr_matrix, rows: np.ndarray, chunk_rows: int = 10_000) -> np.ndarray:
    """infer_doc_topic over `rows` of the count matrix, a chunk at a time; other rows stay zero."""
    theta = np.zeros((counts.shape[0], model.num_topics))
    for start in range(0, len(rows), chunk_rows):
        chunk = rows[start : start + chunk_rows]
        theta[chunk] = infer_doc_topic(model, list(bow_corpus(counts, chunk)))
    return theta


def fit_replicates(
    vectors: Vectors,
    kept: list[bool],
    theme_terms: dict[str, list[str]],
    config: ModelConfig,
    *,
    seed: int,
    n_jobs: int = -1,
    progress: ProgressHook | None = None,
) -> list[TopicModel]:
    """`config.seeds` models, replicate i fitted with seed + i (in parallel); replicate 0 is the single-seed model.

    `progress` counts one model's passes or iterations, or with several seeds the models fitted."""
    seeds = replicate_seeds(seed, config.seeds)
    per_model = progress if len(seeds) == 1 else None  # a single fit runs here, where the hook can be called
    return map_in_order(
        _fit_with_seed,
        seeds,
        n_jobs=n_jobs,
        on_done=(lambda done: progress(done, len(seeds))) if progress and not per_model else None,
        vectors=vectors,
        kept=kept,
        theme_terms=theme_terms,
        config=config,
        progress=per_model,
    )


def _fit_with_seed(seed: int, **inputs) -> TopicModel:
    return fit_topics(**inputs, seed=seed)


def replicate_seeds(seed: int, n: int) -> list[int]:
    """The seeds of n replicates: the config seed first, so one replicate is exactly the single-seed run."""
    return [(seed + i) % 2**32 for i in range(n)]  # numpy's RandomState takes seeds below 2**32


def seeded_term_ids(vectors: Vectors, theme_terms: dict[str, list[str]], config: ModelConfig) -> dict[str, list[int]]:
    """Themes that anchor a topic (those with a seed term in the vocabulary) and their term ids; {} when unseeded."""
    if not config.seeded:
        return {}
    vocab = vectors.dictionary.token2id
    seeded = {theme: [vocab[t] for t in terms if t in vocab] for theme, terms in theme_terms.items()}
    return {theme: ids for theme, ids in seeded.items() if ids}


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
