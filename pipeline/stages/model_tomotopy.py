"""LDA by collapsed Gibbs sampling (tomotopy): the `model.engine = "tomotopy"` side of the model stage.

On paragraphs of speeches, Gibbs sampling finds far more coherent topics than gensim's online variational
Bayes in the same time (bench/scale.py). One sampling thread: with more, tomotopy's results depend on thread
timing, and outputs must not.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from pipeline.config import ModelConfig

# tomotopy re-estimates the document-topic prior every this many sweeps (its default); 0 keeps it fixed.
OPTIMIZE_ALPHA_EVERY = 10


def fit_gibbs(
    counts: sp.csr_matrix, rows: np.ndarray, terms: list[str], seeded: dict[str, list[int]], config: ModelConfig,
    *, seed: int,
) -> tuple[object, np.ndarray, np.ndarray]:
    """(tomotopy LDAModel, topics x terms in `terms` order, len(rows) x topics) fitted on `counts[rows]`."""
    import tomotopy as tp

    model = tp.LDAModel(
        k=config.num_topics, alpha=_alpha(config), eta=config.eta, seed=seed, min_cf=0, rm_top=0,
    )
    model.optim_interval = OPTIMIZE_ALPHA_EVERY if config.alpha == "auto" else 0
    # A seed is likely in its theme's topic and unlikely in every other (as the gensim eta prior says).
    priors: dict[int, list[float]] = {}
    for k, ids in enumerate(seeded.values()):
        for i in ids:
            priors.setdefault(i, [config.eta / 10] * config.num_topics)[k] = config.seed_weight
    for i, prior in sorted(priors.items()):
        model.set_word_prior(terms[i], prior)
    term_array = np.array(terms, dtype=object)
    matrix = counts[rows]
    for r in range(matrix.shape[0]):
        start, end = matrix.indptr[r], matrix.indptr[r + 1]
        model.add_doc(np.repeat(term_array[matrix.indices[start:end]], matrix.data[start:end].astype(np.int64)).tolist())
    model.train(config.iterations, workers=1)
    column = {t: j for j, t in enumerate(terms)}
    order = np.array([column[t] for t in model.used_vocabs], dtype=np.int64)
    topic_term = np.zeros((config.num_topics, len(terms)))
    for k in range(config.num_topics):
        topic_term[k, order] = model.get_topic_word_dist(k)
    doc_topic = np.array([doc.get_topic_dist() for doc in model.docs], dtype=np.float64)
    return model, topic_term / topic_term.sum(axis=1, keepdims=True), doc_topic / doc_topic.sum(axis=1, keepdims=True)


def _alpha(config: ModelConfig) -> float | list[float]:
    """The prior as gensim defines it: "symmetric" (and the start of "auto") 1 / topics, "asymmetric"
    1 / (k + sqrt(topics)) normalized, or the number given."""
    if isinstance(config.alpha, (int, float)):
        return float(config.alpha)
    if config.alpha == "asymmetric":
        prior = 1.0 / (np.arange(config.num_topics) + np.sqrt(config.num_topics))
        return (prior / prior.sum()).tolist()
    return 1.0 / config.num_topics
