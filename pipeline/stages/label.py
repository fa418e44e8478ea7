"""Label: give each topic the theme whose lexicon terms carry most of its probability mass, with the evidence."""

from __future__ import annotations

import numpy as np

from pipeline.config import LabelConfig
from pipeline.types import TopicLabels, TopicModel, Vectors

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
    """Per document, its top TF-IDF terms summed over its paragraphs."""
    result = []
    for rows in doc_rows:
        scores = np.asarray(vectors.tfidf[rows].sum(axis=0)).ravel() if rows else np.zeros(len(vectors.terms))
        result.append(_top(scores, vectors.terms, n))
    return result


def _top(row: np.ndarray, terms: list[str], n: int) -> list[tuple[str, float]]:
    # Stable sort on (-score, term index) so equal scores always list in the same order.
    order = np.lexsort((np.arange(len(row)), -row))[:n]
    return [(terms[i], float(row[i])) for i in order if row[i] > 0]
