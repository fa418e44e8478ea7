"""Label: themes for topics (by lexicon mass) and the weighted term list of each theme (seeds plus expansion).

Expansion is one or more rounds of a seeded EM: paragraphs are scored by the current term weights, each
theme's word distribution is re-estimated from the paragraphs it scored, and a word gains weight for a theme
when it is more frequent there than in the corpus (positive log ratio). Seeds always keep their weight.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from pipeline.config import LabelConfig
from pipeline.types import ThemeTerms, TopicLabels, TopicModel, Vectors

UNLABELED = "unlabeled"


def label_topics(
    topic_model: TopicModel, vectors: Vectors, theme_terms: dict[str, list[str]], config: LabelConfig
) -> TopicLabels:
    """Theme per topic = argmax over themes of the topic's mass on that theme's terms, if above `min_score`."""
    mass = theme_mass(topic_model.topic_term, vectors, theme_terms)  # topics x themes
    themes = list(theme_terms)
    labels, scores = [], []
    for k, row in enumerate(mass):
        best = int(np.argmax(row)) if len(row) else -1
        # A seeded topic keeps its own theme when that theme ties for the top.
        own = topic_model.seed_theme[k]
        if own and own in themes and row[themes.index(own)] >= row[best]:
            best = themes.index(own)
        if best >= 0 and row[best] >= config.min_score:
            labels.append(themes[best])
            scores.append(float(row[best]))
        else:
            labels.append(UNLABELED)
            scores.append(float(row[best]) if best >= 0 else 0.0)
    return TopicLabels(
        theme=labels,
        score=scores,
        top_terms=[_top(row, vectors.terms, config.top_terms) for row in topic_model.topic_term],
        tfidf_terms=[_top(row, vectors.terms, config.top_terms) for row in topic_tfidf(topic_model, vectors)],
    )


def expand_lexicon(
    counts: sp.csr_matrix, seeds: np.ndarray, config: LabelConfig, *, smoothing: float = 0.1
) -> ThemeTerms:
    """Term weights per theme from `counts` (kept paragraphs x terms): idf-scaled seeds plus expansion terms."""
    is_seed = seeds > 0
    doc_freq = np.asarray((counts > 0).sum(axis=0)).ravel()
    weights = seed_weights(seeds, doc_freq, counts.shape[0], config)
    if not is_seed.any() or counts.shape[0] == 0:
        return ThemeTerms(weights=weights, is_seed=is_seed)
    base_weights = weights.copy()
    background = np.asarray(counts.sum(axis=0)).ravel() + smoothing
    background /= background.sum()
    for _ in range(config.expand_iterations):
        evidence = np.asarray(counts @ weights)
        share = evidence / (evidence.sum(axis=1, keepdims=True) + config.other_threshold)
        expected = np.asarray(counts.T @ share) + smoothing
        log_ratio = np.log(expected / expected.sum(axis=0, keepdims=True) / background[:, None])
        # A term seen in one paragraph says nothing about a theme, however well it co-occurs there.
        log_ratio[doc_freq < 2] = 0.0
        expansion = np.clip(log_ratio, 0.0, 1.0) * config.expand_weight
        expansion[is_seed] = 0.0
        weights = base_weights + top_per_column(expansion, config.expand_terms)
    return ThemeTerms(weights=weights, is_seed=is_seed)


def seed_weights(seeds: np.ndarray, doc_freq: np.ndarray, n: int, config: LabelConfig) -> np.ndarray:
    """terms x themes weights of the seeds alone, from the terms' paragraph frequencies among `n` kept paragraphs."""
    return seeds * _seed_scale(doc_freq, n, seeds > 0) if config.idf_weighting else seeds.copy()


def _seed_scale(doc_freq: np.ndarray, n: int, is_seed: np.ndarray) -> np.ndarray:
    """Per term: idf divided by the median idf of the seeds, so a typical seed weighs 1."""
    idf = np.log((n + 1) / (doc_freq + 1)) + 1.0
    seeded = is_seed.any(axis=1) & (doc_freq > 0)
    reference = np.median(idf[seeded]) if seeded.any() else 1.0
    return (idf / reference)[:, None]


def top_per_column(matrix: np.ndarray, n: int) -> np.ndarray:
    kept = np.zeros_like(matrix)
    for j in range(matrix.shape[1]):
        column = matrix[:, j]
        top = np.lexsort((np.arange(len(column)), -column))[:n]
        top = top[column[top] > 0]
        kept[top, j] = column[top]
    return kept


def theme_mass(topic_term: np.ndarray, vectors: Vectors, theme_terms: dict[str, list[str]]) -> np.ndarray:
    """topics x themes: probability mass each topic puts on each theme's terms (present in the vocabulary)."""
    vocab = vectors.dictionary.token2id
    mass = np.zeros((topic_term.shape[0], len(theme_terms)))
    for j, terms in enumerate(theme_terms.values()):
        ids = [vocab[t] for t in terms if t in vocab]
        if ids:
            mass[:, j] = topic_term[:, ids].sum(axis=1)
    return mass


def topic_tfidf(topic_model: TopicModel, vectors: Vectors) -> np.ndarray:
    """topics x terms: TF-IDF of the paragraphs, each weighted by how much it belongs to the topic."""
    return np.asarray(vectors.tfidf.T @ topic_model.doc_topic).T


def document_tfidf_terms(vectors: Vectors, doc_rows: list[list[int]], n: int) -> list[list[tuple[str, float]]]:
    """Per document, its top TF-IDF terms summed over its paragraphs (one sparse product for all documents)."""
    owner = np.repeat(np.arange(len(doc_rows)), [len(rows) for rows in doc_rows])
    paragraphs = np.fromiter((r for rows in doc_rows for r in rows), dtype=np.int64, count=len(owner))
    membership = sp.csr_matrix((np.ones(len(owner)), (owner, paragraphs)), shape=(len(doc_rows), vectors.tfidf.shape[0]))
    sums = sp.csr_matrix(membership @ vectors.tfidf)
    sums.sort_indices()
    result = []
    for d in range(len(doc_rows)):
        start, end = sums.indptr[d], sums.indptr[d + 1]
        columns, scores = sums.indices[start:end], sums.data[start:end]
        # Stable on (-score, term index), as _top orders a dense row.
        order = np.lexsort((columns, -scores))[:n]
        result.append([(vectors.terms[columns[i]], float(scores[i])) for i in order if scores[i] > 0])
    return result


def _top(row: np.ndarray, terms: list[str], n: int) -> list[tuple[str, float]]:
    # Stable sort on (-score, term index) so equal scores always list in the same order.
    order = np.lexsort((np.arange(len(row)), -row))[:n]
    return [(terms[i], float(row[i])) for i in order if row[i] > 0]
