"""Learn: from the paragraphs the seeds label, a naive Bayes model of each theme's vocabulary.

Seeds alone reach only the paragraphs that use them (about half the posts of a news-like corpus). A seeded EM
(Nigam et al., 2000) learns from those paragraphs which other words go with each theme: the M-step fits one
multinomial per theme on word presence, weighting each paragraph by its current theme evidence; the E-step gives
every paragraph a posterior over themes, pooled with its whole document's posterior (`label.document_context`).

How much learned evidence a paragraph gets depends on how much better the best theme models explain it than the
corpus background does (mean log-ratio per word, `topicality`): on-topic text without seeds becomes thematic,
while generic rhetoric, which every theme model explains no better than the background, stays near "other".

Which theme that evidence goes to is then decided by complement naive Bayes (`complement.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from pipeline.config import LabelConfig
from pipeline.stages.complement import complement_split, self_train, softmax
from pipeline.types import ThemeModel

BACKGROUND_SMOOTHING = 0.1  # keeps words absent from the kept paragraphs (seeds only elsewhere) finite


@dataclass(frozen=True)
class Learned:
    evidence: np.ndarray  # kept paragraphs x themes: learned evidence to add to the seed evidence
    term_weights: np.ndarray  # terms x themes: log-ratio of each theme's word model to the background, >= 0
    model: ThemeModel | None = None  # the word models that gave them (None when nothing was learned)
    split: np.ndarray | None = None  # kept paragraphs x themes: how each row's evidence is shared among themes


def learn_themes(
    seed_evidence: np.ndarray,
    presence: sp.csr_matrix,
    doc_rows: np.ndarray,
    config: LabelConfig,
    *,
    trains: np.ndarray | None = None,
) -> Learned:
    """`seed_evidence` and `presence` (`presence`, `presence_of_rows`: 1 where a row has the term) are the rows of
    kept paragraphs (and titles); `doc_rows` numbers each row's
    document. Rows where `trains` is False (titles) get evidence and count in their document's posterior, but fit
    no word model: a headline is too short and unlike body text to say which words a theme uses."""
    if not seed_evidence.any():  # no seed occurs anywhere: nothing to learn from, so no theme gains evidence
        return Learned(np.zeros_like(seed_evidence), np.zeros((presence.shape[1], seed_evidence.shape[1])))
    presence_per_term = np.asarray(presence.sum(axis=0)).ravel()
    log_background = background_of(presence_per_term)
    learned = np.zeros_like(seed_evidence)
    model = None
    for _ in range(config.learn_iterations):
        share = theme_share(seed_evidence, learned, trains, config)
        model = fit_theme_model(np.asarray(presence.T @ share).T, share.sum(axis=0), share.sum(), log_background, config)
        learned = _learned_evidence(model, presence, doc_rows, config)
    if model is None:
        return Learned(learned, np.zeros((presence.shape[1], seed_evidence.shape[1])))
    split = None
    if config.complement_rounds:
        log_complement, split = self_train(seed_evidence + learned, presence, presence_per_term, doc_rows, config)
        model = replace(model, log_complement=log_complement)
    return Learned(evidence=learned, term_weights=learned_term_weights(model), model=model, split=split)


def background_of(presence_per_term: np.ndarray) -> np.ndarray:
    """Log word distribution of the corpus from the paragraphs each term is present in."""
    background = presence_per_term + BACKGROUND_SMOOTHING
    return np.log(background / background.sum())


def theme_share(
    seed_evidence: np.ndarray, learned: np.ndarray, trains: np.ndarray | None, config: LabelConfig
) -> np.ndarray:
    """E-step weights: each row's share of every theme given its evidence so far (0 for rows that do not train)."""
    current = seed_evidence + learned
    share = current / (current.sum(axis=1, keepdims=True) + config.other_threshold)
    return share if trains is None else share * trains[:, None]


def fit_theme_model(
    presence_share: np.ndarray, share_per_theme: np.ndarray, share_total: float, log_background: np.ndarray,
    config: LabelConfig,
) -> ThemeModel:
    """M-step from sufficient statistics (themes x terms presence weighted by share, share sums): summed over all
    rows here, or over partitions by an engine that spreads the rows."""
    # Smoothing toward the background (Zhai & Lafferty, 2001): additive smoothing gave every rare word the
    # same positive log-ratio for every theme, so rare words made any paragraph look topical. The prior's weight
    # is fixed in word occurrences, so a theme seen in little text stays close to the background (little
    # learned) and one seen in much text speaks for itself.
    stats = presence_share + config.learn_smoothing * np.exp(log_background)
    return ThemeModel(
        log_phi=np.log(stats / stats.sum(axis=1, keepdims=True)),
        log_prior=np.log(share_per_theme / max(share_total, 1e-12) + 1e-12),
        log_background=log_background,
    )


def apply_theme_model(model: ThemeModel, presence: sp.csr_matrix, doc_rows: np.ndarray, config: LabelConfig) -> Learned:
    """A learned model's evidence for other paragraphs (a saved run's, applied to new documents; `presence` as
    `learn_themes` takes it): the E-step only."""
    split = None
    if model.log_complement is not None:
        split = complement_split(model.log_complement, presence, doc_rows, config)
    return Learned(_learned_evidence(model, presence, doc_rows, config), learned_term_weights(model), model, split)


def presence(counts: sp.csr_matrix) -> sp.csr_matrix:
    """1 where a paragraph has the term (what the word models count): one long repetitive post must not define a
    theme. Shares the counts' column indices and row pointers (a corpus-sized array) instead of copying them."""
    return sp.csr_matrix((np.ones_like(counts.data), counts.indices, counts.indptr), shape=counts.shape)


def presence_of_rows(counts: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """`presence` of some rows of `counts`: their copy, its values set to 1 in place (one corpus-sized copy where
    taking the rows, then their presence, would make two: ~70 MB each at 300k paragraphs)."""
    picked = counts[rows]
    picked.data[:] = 1
    return picked


def _learned_evidence(
    model: ThemeModel, presence: sp.csr_matrix, doc_rows: np.ndarray, config: LabelConfig
) -> np.ndarray:
    """Posterior over themes (pooled with the document's) times how much better the theme models fit."""
    background_fit = np.asarray(presence @ model.log_background).ravel()
    n_words = np.maximum(np.asarray(presence.sum(axis=1)).ravel(), 1.0)
    fit = np.asarray(presence @ model.log_phi.T)
    posterior = softmax(fit + model.log_prior)
    if config.document_context and len(doc_rows):
        document_fit = np.zeros((int(doc_rows.max()) + 1, fit.shape[1]))
        np.add.at(document_fit, doc_rows, fit)
        posterior = (posterior + config.document_context * softmax(document_fit + model.log_prior)[doc_rows]) / (
            1 + config.document_context
        )
    topicality = np.clip(((posterior * fit).sum(axis=1) - background_fit) / n_words, 0.0, None)
    return (config.learn_floor + config.learn_weight * topicality)[:, None] * posterior


def learned_term_weights(model: ThemeModel) -> np.ndarray:
    """terms x themes: how much more often each theme's word model draws a term than the background, >= 0."""
    return np.clip(model.log_phi - model.log_background, 0.0, None).T
