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
) -> tuple[LdaModel, np.ndarray, int, bool]:
    """(gensim LdaModel holding the sampled topics, len(rows) x topics proportions, sweeps run, converged)
    fitted on `counts[rows]`."""
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
    _add_documents(model, vectors.counts[rows], np.array(vectors.terms, dtype=object))
    sweeps, converged = _train(model, config, progress)
    doc_topic = np.array([doc.get_topic_dist() for doc in model.docs], dtype=np.float64)
    return _as_gensim(model, vectors, config, seed), doc_topic / doc_topic.sum(axis=1, keepdims=True), sweeps, converged


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
