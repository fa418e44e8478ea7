"""Weigh: paragraph theme weights from topic proportions and topic labels; documents as token-weighted means."""

from __future__ import annotations

import numpy as np

from pipeline.types import Paragraph, ThemeWeights, TopicLabels, TopicModel

OTHER = "other"


def weigh(
    paragraphs: list[Paragraph],
    n_tokens: list[int],
    doc_ids: list[str],
    topic_model: TopicModel,
    labels: TopicLabels,
    themes: list[str],
) -> ThemeWeights:
    """Each row sums to 1 over themes + "other"; dropped or empty paragraphs are all "other"."""
    columns = [*themes, OTHER]
    topic_to_column = np.zeros((len(labels.theme), len(columns)))
    for k, theme in enumerate(labels.theme):
        topic_to_column[k, columns.index(theme) if theme in themes else len(themes)] = 1.0
    paragraph = topic_model.doc_topic @ topic_to_column
    empty = paragraph.sum(axis=1) <= 0
    paragraph[empty] = 0.0
    paragraph[empty, -1] = 1.0
    paragraph /= paragraph.sum(axis=1, keepdims=True)
    document = document_weights(paragraphs, n_tokens, doc_ids, paragraph)
    return ThemeWeights(columns=columns, paragraph=paragraph, document=document)


def document_weights(
    paragraphs: list[Paragraph], n_tokens: list[int], doc_ids: list[str], paragraph: np.ndarray
) -> np.ndarray:
    """Token-weighted mean over each document's kept paragraphs; a document with none is all "other"."""
    row_of = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    totals = np.zeros((len(doc_ids), paragraph.shape[1]))
    for p, tokens, weights in zip(paragraphs, n_tokens, paragraph):
        if p.kept and tokens:
            totals[row_of[p.doc_id]] += tokens * weights
    mass = totals.sum(axis=1, keepdims=True)
    empty = mass[:, 0] <= 0
    totals[empty, -1] = 1.0
    mass[empty] = 1.0
    return totals / mass
