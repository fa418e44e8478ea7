"""LDA by collapsed Gibbs sampling (tomotopy): the `model.engine = "tomotopy"` side of the model stage.

On paragraphs of speeches, Gibbs sampling finds far more coherent topics than gensim's online variational
Bayes in the same time (bench/scale.py). One sampling thread: with more, tomotopy's results depend on thread
timing, and outputs must not. The sampled topics are handed back as a gensim LdaModel (topic-word counts as
its sufficient statistics), so a run saves, loads and applies to new documents the same way for both engines.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from gensim.models import LdaModel

from pipeline.config import ModelConfig
from pipeline.types import ProgressHook, Vectors

# tomotopy re-estimates the document-topic prior every this many sweeps (its default); 0 keeps it fixed.
OPTIMIZE_ALPHA_EVERY = 10
# How many times a fit reports its progress: often enough for a bar, rarely enough to cost nothing.
PROGRESS_CALLS = 100
# EM steps that give paragraphs left out of the sample their topic proportions. On planted data (20 topics, 30
# terms a paragraph) steps 11-20 moved them by 0.0007 on average: 20 is past where they settle, and costs little
# next to sampling (0.65-0.9 s per 10,000 such paragraphs).
FOLD_IN_ITERATIONS = 20
# Sweeps between two looks at the log-likelihood per word, when stopping on convergence.
CHECK_EVERY = 10


def fit_gibbs(
    vectors: Vectors,
    rows: np.ndarray,
    seeded: dict[str, list[int]],
    config: ModelConfig,
    *,
    seed: int,
    progress: ProgressHook | None = None,
) -> tuple[LdaModel, np.ndarray, int, bool, int]:
    """(gensim LdaModel holding the sampled topics, len(rows) x topics proportions, sweeps run, converged,
    paragraphs sampled) fitted on `counts[rows]`, or on `config.max_paragraphs` of them."""
    import tomotopy as tp

    model = tp.LDAModel(k=config.num_topics, alpha=_alpha(config), eta=config.eta, seed=seed, min_cf=0, rm_top=0)
    model.optim_interval = OPTIMIZE_ALPHA_EVERY if config.alpha == "auto" else 0
    # A seed is likely in its theme's topic and unlikely in every other (as the gensim eta prior says).
    priors: dict[int, list[float]] = {}
    for k, ids in enumerate(seeded.values()):
        for i in ids:
            priors.setdefault(i, [config.eta / 10] * config.num_topics)[k] = config.seed_weight
    for i, prior in sorted(priors.items()):
        model.set_word_prior(vectors.terms[i], prior)
    sampled = sample_rows(rows, config.max_paragraphs, seed)
    _add_documents(model, vectors.counts[sampled], np.array(vectors.terms, dtype=object))
    sweeps, converged = _train(model, config, progress)
    lda = _as_gensim(model, vectors, config, seed)
    doc_topic = np.empty((len(rows), config.num_topics))
    in_sample = np.isin(rows, sampled)
    sampled_topics = np.array([doc.get_topic_dist() for doc in model.docs], dtype=np.float64)
    doc_topic[in_sample] = sampled_topics / sampled_topics.sum(axis=1, keepdims=True)
    if not in_sample.all():
        doc_topic[~in_sample] = fold_in(lda.get_topics(), np.asarray(model.alpha), vectors.counts[rows[~in_sample]])
    return lda, doc_topic, sweeps, converged, len(sampled)


def sample_rows(rows: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """At most `limit` of `rows` (all of them when `limit` is 0), drawn with the run's seed, in corpus order."""
    if not limit or len(rows) <= limit:
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, size=limit, replace=False))


def fold_in(
    topic_term: np.ndarray, alpha: np.ndarray, counts: sp.csr_matrix, iterations: int = FOLD_IN_ITERATIONS,
    chunk_rows: int = 10_000,
) -> np.ndarray:
    """Topic proportions of each row of `counts` under fixed topics, as the sampler estimates them for its own
    paragraphs ((expected topic counts + alpha) / (length + sum alpha)), by EM from uniform proportions. Plain
    array arithmetic in a fixed order: the same bytes on every run, at a fraction of sampling's cost."""
    result = np.empty((counts.shape[0], topic_term.shape[0]))
    phi_t = np.ascontiguousarray(topic_term.T)  # terms x topics
    for begin in range(0, counts.shape[0], chunk_rows):
        chunk = counts[begin : begin + chunk_rows]
        chunk.sort_indices()
        lengths = np.diff(chunk.indptr)
        rows = np.repeat(np.arange(chunk.shape[0]), lengths)
        phi_at = phi_t[chunk.indices]  # nonzeros x topics
        values = chunk.data.astype(np.float64)
        theta = np.full((chunk.shape[0], topic_term.shape[0]), 1.0 / topic_term.shape[0])
        for _ in range(iterations):
            share = values / np.einsum("ij,ij->i", theta[rows], phi_at)
            expected = theta * (sp.csr_matrix((share, chunk.indices, chunk.indptr), shape=chunk.shape) @ phi_t)
            theta = (expected + alpha) / (lengths[:, None] + alpha.sum())
        result[begin : begin + chunk_rows] = theta / theta.sum(axis=1, keepdims=True)
    return result


def _train(model, config: ModelConfig, progress: ProgressHook | None) -> tuple[int, bool]:
    """Sweep until the log-likelihood per word gains less than `config.tolerance` of itself over CHECK_EVERY
    sweeps, or `config.iterations` sweeps are done; (sweeps run, converged). The test reads only the seeded,
    single-threaded sampler's own state, so where it stops is the same on every run."""
    if not config.tolerance:
        if progress:
            # tomotopy calls back every `interval` iterations and at the end; the sampling is the same either way.
            interval = max(1, config.iterations // PROGRESS_CALLS)
            model.train(
                config.iterations, workers=1, callback_interval=interval,
                callback=lambda _, done, total: progress(done, total),
            )
        else:
            model.train(config.iterations, workers=1)
        return config.iterations, False
    done, previous = 0, None
    while done < config.iterations:
        step = min(CHECK_EVERY, config.iterations - done)
        model.train(step, workers=1)
        done += step
        if progress:
            progress(done, config.iterations)
        current = model.ll_per_word
        if previous is not None and current - previous < config.tolerance * abs(previous):
            if progress:
                progress(config.iterations, config.iterations)
            return done, True
        previous = current
    return done, False


def _add_documents(model, counts: sp.csr_matrix, terms: np.ndarray) -> None:
    for r in range(counts.shape[0]):
        start, end = counts.indptr[r], counts.indptr[r + 1]
        model.add_doc(np.repeat(terms[counts.indices[start:end]], counts.data[start:end].astype(np.int64)).tolist())


def _as_gensim(model, vectors: Vectors, config: ModelConfig, seed: int) -> LdaModel:
    """A gensim LdaModel whose topics are the sampled ones: statistics = topic-word counts, alpha as sampled."""
    column = vectors.dictionary.token2id
    order = np.array([column[t] for t in model.used_vocabs], dtype=np.int64)
    topic_word = np.zeros((config.num_topics, len(column)))
    for k in range(config.num_topics):
        topic_word[k, order] = model.get_topic_word_dist(k)
    # tomotopy's p(w|k) = (n_kw + eta) / (n_k + V eta): back to counts n_kw, which gensim adds eta to.
    totals = np.asarray(model.get_count_by_topics(), dtype=np.float64) + len(column) * config.eta
    return lda_from_topics(
        vectors.dictionary, topic_word * totals[:, None], np.asarray(model.alpha, dtype=np.float64), config.eta, seed
    )


def lda_from_topics(dictionary, pseudo_counts: np.ndarray, alpha: np.ndarray, eta: float, seed: int) -> LdaModel:
    """A gensim LdaModel over `dictionary` whose topics are `pseudo_counts` (topics x terms, the prior `eta`
    included, as tomotopy's counts plus eta or MLlib's lambda): what a run saves and `themes infer` applies."""
    lda = LdaModel(
        id2word=dictionary,
        num_topics=pseudo_counts.shape[0],
        alpha=alpha,
        eta=eta,
        random_state=np.random.RandomState(seed),
        eval_every=None,
        minimum_probability=0.0,
    )
    lda.state.sstats = np.clip(pseudo_counts - eta, 0.0, None).astype(lda.dtype)
    lda.sync_state()
    return lda


def _alpha(config: ModelConfig) -> float | list[float]:
    """The prior as gensim defines it: "symmetric" (and the start of "auto") 1 / topics, "asymmetric"
    1 / (k + sqrt(topics)) normalized, or the number given."""
    if isinstance(config.alpha, (int, float)):
        return float(config.alpha)
    if config.alpha == "asymmetric":
        prior = 1.0 / (np.arange(config.num_topics) + np.sqrt(config.num_topics))
        return (prior / prior.sum()).tolist()
    return 1.0 / config.num_topics
