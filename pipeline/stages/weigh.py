"""Weigh: per-paragraph theme weights (a mixture over themes + "other") and token-weighted document weights.

Evidence for theme t in a paragraph is the sum of its term counts times the theme's term weights, plus the
evidence of the heading above it (sections are about one thing) and, optionally, of its whole document: its
kept paragraphs and its title.
"other" enters as a fixed pseudo-evidence `other_threshold`, so a paragraph with little theme evidence is
mostly "other" and one with a lot is mostly thematic. In hybrid mode this lexicon mixture is blended with the
topic model's mixture mapped through the topic labels.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from pipeline.config import LabelConfig
from pipeline.stages.label import top_per_column
from pipeline.stages.learn import apply_theme_model, learn_themes, presence_of_rows
from pipeline.types import Paragraph, ThemeModel, ThemeTerms, ThemeWeights, TopicLabels, TopicModel, WeighInputs

OTHER = "other"
HEADING = "heading"
TITLE = "title"


def with_learned_words(
    theme_terms: ThemeTerms, term_weights: np.ndarray, config: LabelConfig
) -> tuple[ThemeTerms, ThemeTerms]:
    """(each theme's term list: seeds, then its most telling learned words; every learned word, which may explain
    a paragraph) from the learned word models' `term_weights` (terms x themes)."""
    extra = top_per_column(term_weights, config.expand_terms) * config.expand_weight
    extra[theme_terms.is_seed] = 0.0
    used_terms = ThemeTerms(weights=theme_terms.weights + extra, is_seed=theme_terms.is_seed)
    learned_words = term_weights * config.expand_weight * ~theme_terms.is_seed
    explaining = ThemeTerms(weights=theme_terms.weights + learned_words, is_seed=theme_terms.is_seed)
    return used_terms, explaining


def weigh(
    inputs: WeighInputs,
    config: LabelConfig,
    *,
    display: dict[str, str] | None = None,
    theme_model: ThemeModel | None = None,
) -> ThemeWeights:
    """Each row sums to 1 over themes + "other"; dropped paragraphs are all "other". A `theme_model` (a saved
    run's, applied to new documents) gives the learned evidence instead of one learned from these paragraphs.
    Evidence strings name terms by `display` (default: the evidence's own display forms)."""
    paragraphs, doc_ids, themes = inputs.paragraphs, inputs.doc_ids, inputs.themes
    counts, terms, theme_terms = inputs.evidence.counts, inputs.evidence.terms, inputs.theme_terms
    topic_model, labels = inputs.topic_model, inputs.labels
    surface = inputs.evidence.surface if display is None else display
    columns = [*themes, OTHER]
    kept = np.array([p.kept for p in paragraphs], dtype=bool)
    evidence, rows, doc_rows = seed_evidence(paragraphs, counts, theme_terms, config)
    used_terms = explaining = theme_terms
    learned_model = None
    if config.learn_iterations:
        # What the word models read of a paragraph is which terms it has: its counts are not copied as well.
        row_presence = presence_of_rows(counts, rows)
        if theme_model is None:
            learned = learn_themes(evidence[rows], row_presence, doc_rows, config, trains=kept[rows])
        else:
            learned = apply_theme_model(theme_model, row_presence, doc_rows, config)
        del row_presence
        learned_model = learned.model
        learning = evidence[rows] + learned.evidence
        if learned.split is not None:  # as much evidence as before, shared among themes as the complement NB says
            learning = learning.sum(axis=1, keepdims=True) * learned.split
        evidence[rows] = learning
        used_terms, explaining = with_learned_words(theme_terms, learned.term_weights, config)
        del learned, learning  # the run's peak is reached just below: tens of MB at 300k paragraphs
    lexical = np.hstack([evidence, np.full((len(paragraphs), 1), config.other_threshold)])
    lexical = _normalize(lexical)
    if config.method == "lexicon":
        paragraph = lexical  # no topic model needed (the runner fits it meanwhile)
    elif config.method == "topics":
        paragraph = topic_mixture(topic_model, labels, columns)
    else:
        paragraph = (1 - config.topic_weight) * lexical + config.topic_weight * topic_mixture(topic_model, labels, columns)
    paragraph[~kept] = 0.0
    paragraph[~kept, -1] = 1.0
    paragraph = _normalize(paragraph)
    n_tokens = np.asarray(counts.sum(axis=1)).ravel()
    return ThemeWeights(
        columns=columns,
        paragraph=paragraph,
        document=document_weights(paragraphs, n_tokens, doc_ids, paragraph),
        paragraph_evidence=explain(counts, explaining, paragraph, kept, terms, surface),
        theme_terms=used_terms,
        theme_model=learned_model,
    )


def seed_evidence(
    paragraphs: list[Paragraph], counts: sp.csr_matrix, theme_terms: ThemeTerms, config: LabelConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paragraphs x themes evidence of the theme terms in context (own, heading's, document's); the rows learning
    reads (kept paragraphs and titles) and each one's document number. Documents must be whole in `paragraphs`."""
    kept = np.array([p.kept for p in paragraphs], dtype=bool)
    titles = np.fromiter((p.drop_reason == TITLE for p in paragraphs), dtype=bool, count=len(paragraphs))
    own = np.asarray(counts @ theme_terms.weights)
    evidence = own + config.section_context * _unit_rows(_section_evidence(paragraphs, own))
    if config.document_context:
        evidence += config.document_context * _unit_rows(_document_evidence(paragraphs, own, kept | titles))
    # Titles join their document's learned posterior (a headline's words count for the article) but train
    # no word model; they stay dropped lines, all "other", in the weights.
    rows = np.flatnonzero(kept | titles)
    return evidence, rows, _document_rows(paragraphs)[rows]


def topic_mixture(topic_model: TopicModel, labels: TopicLabels, columns: list[str]) -> np.ndarray:
    """Paragraph topic proportions summed per topic label; unlabeled topics and empty rows go to "other"."""
    topic_to_column = np.zeros((len(labels.theme), len(columns)))
    for k, theme in enumerate(labels.theme):
        topic_to_column[k, columns.index(theme) if theme in columns[:-1] else -1] = 1.0
    mixture = topic_model.doc_topic @ topic_to_column
    mixture[mixture.sum(axis=1) <= 0, -1] = 1.0
    return _normalize(mixture)


def document_weights(
    paragraphs: list[Paragraph], n_tokens: np.ndarray, doc_ids: list[str], paragraph: np.ndarray
) -> np.ndarray:
    """Mean over each document's kept paragraphs weighted by modeled tokens; a document with none is "other"."""
    row_of = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    totals = np.zeros((len(doc_ids), paragraph.shape[1]))
    for p, tokens, weights in zip(paragraphs, n_tokens, paragraph):
        if p.kept and tokens:
            totals[row_of[p.doc_id]] += tokens * weights
    empty = totals.sum(axis=1) <= 0
    totals[empty, -1] = 1.0
    return _normalize(totals)


def explain(
    counts: sp.csr_matrix,
    theme_terms: ThemeTerms,
    paragraph: np.ndarray,
    kept: np.ndarray,
    terms: list[str],
    surface: dict[str, str],
    n: int = 5,
) -> list[str]:
    """Per paragraph, the terms that drove its top theme: "cybersecurity*:2.10; data:0.40" (* marks seeds)."""
    explanations = []
    for i, row in enumerate(paragraph):
        top = int(np.argmax(row))
        if not kept[i] or top >= theme_terms.weights.shape[1]:
            explanations.append("")
            continue
        start, end = counts.indptr[i], counts.indptr[i + 1]
        ids, freq = counts.indices[start:end], counts.data[start:end]
        contribution = freq * theme_terms.weights[ids, top]
        order = np.lexsort((ids, -contribution))[:n]
        explanations.append(
            "; ".join(
                f"{surface.get(terms[ids[j]], terms[ids[j]])}{'*' if theme_terms.is_seed[ids[j], top] else ''}"
                f":{contribution[j]:.2f}"
                for j in order
                if contribution[j] > 0
            )
        )
    return explanations


def _section_evidence(paragraphs: list[Paragraph], own: np.ndarray) -> np.ndarray:
    """For each paragraph, the evidence of the latest heading above it in the same document."""
    context = np.zeros_like(own)
    current, doc_id = np.zeros(own.shape[1]), None
    for i, p in enumerate(paragraphs):
        if p.doc_id != doc_id:
            current, doc_id = np.zeros(own.shape[1]), p.doc_id
        if p.drop_reason == HEADING:
            current = own[i]
        elif p.kept:
            context[i] = current
    return context


def _document_rows(paragraphs: list[Paragraph]) -> np.ndarray:
    """Per paragraph, its document's number in order of first appearance."""
    doc_ids = [p.doc_id for p in paragraphs]
    index = {d: i for i, d in enumerate(dict.fromkeys(doc_ids))}
    return np.array([index[d] for d in doc_ids], dtype=np.int64)


def _document_evidence(paragraphs: list[Paragraph], own: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """The evidence of each paragraph's document: the sum over its `counted` rows (kept paragraphs and title).
    A headline names what the whole article is about, as a heading does for its section, so it counts for every
    paragraph, not only for those before the first heading (measured: that hurt the sample's sectioned articles)."""
    rows = _document_rows(paragraphs)
    totals = np.zeros((int(rows.max(initial=-1)) + 1, own.shape[1]))
    np.add.at(totals, rows[counted], own[counted])
    return totals[rows]


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to sum 1 (zero rows stay zero): context says which theme, not how much text there was."""
    sums = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, sums, out=np.zeros_like(matrix), where=sums > 0)


def _normalize(matrix: np.ndarray) -> np.ndarray:
    return matrix / matrix.sum(axis=1, keepdims=True)

