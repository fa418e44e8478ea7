"""Stability: what moves when only the seed changes (runs with `model.seeds` > 1).

The model stage fits one model per seed and label/weigh run on each replicate unchanged, so this works whatever
the label method. Here replicate topics are aligned to the first replicate's (Hungarian matching), each theme's
topic profile is compared across replicates, and the replicates' theme weights become a mean with an interval.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import numpy as np

from pipeline.stages.metrics import match_topics, top_term_ids, topic_similarity
from pipeline.types import ThemeStability, ThemeWeights, TopicAlignment, TopicLabels, TopicModel

INTERVAL_PERCENTILES = (5.0, 95.0)  # a 90% interval across seeds


def combine_replicates(replicates: list[ThemeWeights]) -> ThemeWeights:
    """Mean paragraph and document weights, and the documents' 5th-95th percentile across replicates."""
    if len(replicates) == 1:
        return replicates[0]
    paragraph = np.mean([w.paragraph for w in replicates], axis=0)
    documents = np.stack([w.document for w in replicates])
    document = documents.mean(axis=0)
    lo, hi = np.percentile(documents, INTERVAL_PERCENTILES, axis=0)
    # The learned terms and word models come from the lexicon evidence alone, so they are the first seed's.
    return replace(
        replicates[0],
        paragraph=paragraph,
        document=document,
        paragraph_evidence=_agreeing_evidence(replicates, paragraph),
        # A percentile of a few values can sit on the far side of their mean; the interval must hold the mean.
        document_lo=np.minimum(lo, document),
        document_hi=np.maximum(hi, document),
    )


def _agreeing_evidence(replicates: list[ThemeWeights], paragraph: np.ndarray) -> list[str]:
    """Per paragraph, the evidence of the first replicate whose top theme is the mean's top theme ("" if none)."""
    top = paragraph.argmax(axis=1)
    evidence = []
    for i, theme in enumerate(top):
        agreeing = (w.paragraph_evidence[i] for w in replicates if w.paragraph[i].argmax() == theme)
        evidence.append(next(agreeing, ""))
    return evidence


def align_topics(replicates: list[TopicModel], labels: list[TopicLabels], seeds: list[int]) -> TopicAlignment:
    """Match every replicate's topics to the first replicate's and score each first-replicate topic."""
    reference = replicates[0].topic_term
    matched = np.array([match_topics(reference, m.topic_term)[0] for m in replicates])
    aligned = [m.topic_term[matched[r]] for r, m in enumerate(replicates)]
    pairs = list(combinations(range(len(replicates)), 2))
    stability = np.mean([np.diag(topic_similarity(aligned[a], aligned[b])) for a, b in pairs], axis=0)
    same_label = [
        [labels[r].theme[matched[r, k]] == theme for k, theme in enumerate(labels[0].theme)]
        for r in range(1, len(replicates))
    ]
    return TopicAlignment(
        seeds=list(seeds), matched=matched, stability=stability, label_agreement=np.mean(same_label, axis=0)
    )


def theme_stability(
    replicates: list[TopicModel],
    labels: list[TopicLabels],
    themes: list[str],
    n_tokens: np.ndarray,
    alignment: TopicAlignment,
    combined: ThemeWeights,
    top_n: int,
) -> ThemeStability:
    """Per theme: agreement across replicate pairs of its topic profile (the token-weighted mean of its topics).

    NaN when no replicate has a topic labeled with the theme: the topic model then says nothing about it.
    """
    profiles = [[_theme_profile(m, l, theme, n_tokens) for theme in themes] for m, l in zip(replicates, labels)]
    pairs = list(combinations(range(len(replicates)), 2))
    stability, terms_agreement, labeled_share, topic_stability = [], [], [], []
    for j, theme in enumerate(themes):
        per_replicate = [p[j] for p in profiles]
        # Two seeds that both give the theme no topic agree on nothing about it: such pairs are left out.
        informative = [(a, b) for a, b in pairs if per_replicate[a] is not None or per_replicate[b] is not None]
        stability.append(_mean([_cosine(per_replicate[a], per_replicate[b]) for a, b in informative]))
        terms_agreement.append(_mean([_jaccard(per_replicate[a], per_replicate[b], top_n) for a, b in informative]))
        labeled_share.append(np.mean([p is not None for p in per_replicate]))
        own = [k for k, label in enumerate(labels[0].theme) if label == theme]
        topic_stability.append(alignment.stability[own].mean() if own else np.nan)
    width = combined.document_hi - combined.document_lo
    return ThemeStability(
        themes=list(themes),
        stability=np.array(stability),
        labeled_share=np.array(labeled_share),
        top_terms_agreement=np.array(terms_agreement),
        topic_stability=np.array(topic_stability),
        mean_interval=width[:, : len(themes)].mean(axis=0),
    )


def _theme_profile(model: TopicModel, labels: TopicLabels, theme: str, n_tokens: np.ndarray) -> np.ndarray | None:
    """Term distribution of the topics labeled `theme`, weighted by the tokens they explain; None when no topic is."""
    topics = [k for k, label in enumerate(labels.theme) if label == theme]
    if not topics:
        return None
    mass = n_tokens @ model.doc_topic[:, topics]
    return np.average(model.topic_term[topics], axis=0, weights=mass if mass.sum() > 0 else None)


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def _cosine(first: np.ndarray | None, second: np.ndarray | None) -> float:
    if first is None or second is None:
        return 0.0
    return float(topic_similarity(first[None], second[None])[0, 0])


def _jaccard(first: np.ndarray | None, second: np.ndarray | None, n: int) -> float:
    if first is None or second is None:
        return 0.0
    a, b = (set(top_term_ids(p[None], n)[0]) for p in (first, second))
    return len(a & b) / len(a | b)
