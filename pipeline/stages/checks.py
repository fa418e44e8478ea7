"""Checks between stages: a warning when part of the corpus leaves a stage with nothing to analyse, an error
when all of it does. They read stage outputs and change nothing."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Container

import numpy as np

from pipeline.config import VectorizeConfig
from pipeline.errors import ConfigError, InputError, PipelineWarning
from pipeline.types import Document, Paragraph, Tokenized, Vectors


def check_paragraphs(documents: list[Document], paragraphs: list[Paragraph]) -> None:
    """Warn about each document whose paragraphs were all dropped; InputError when no paragraph is kept at all."""
    with_kept: set[str] = set()
    dropped: dict[str, Counter[str]] = {}
    first_dropped: dict[str, Paragraph] = {}
    for p in paragraphs:
        if p.kept:
            with_kept.add(p.doc_id)
        else:
            dropped.setdefault(p.doc_id, Counter())[p.drop_reason] += 1
            first_dropped.setdefault(p.doc_id, p)
    if not with_kept:
        raise InputError(
            f"no paragraph left to analyse: the cleaning rules dropped all text of the {len(documents)} "
            f"document(s) ({_counted(sum(dropped.values(), Counter()))}); see the [clean] settings and segment.min_words"
        )
    for doc in documents:
        if doc.doc_id not in with_kept:
            message = f"{doc.source}: every paragraph was dropped ({_counted(dropped.get(doc.doc_id, Counter()))}"
            if first := first_dropped.get(doc.doc_id):
                shown = " ".join(first.text.split())
                message += f"; first, as {first.drop_reason}: {shown[:60]!r}" + ("..." if len(shown) > 60 else "")
            warnings.warn(PipelineWarning(message + "); its weights are all 'other'", reason="all_boilerplate"))


def check_vocabulary(tokenized: Tokenized, kept: list[bool], vectors: Vectors, config: VectorizeConfig) -> None:
    """ConfigError naming the filters when they drop every term the kept paragraphs have."""
    if vectors.terms:
        return
    ids = tokenized.token_ids
    kept_rows = np.flatnonzero(kept)
    found = {tokenized.vocabulary[i] for r in kept_rows.tolist() for i in ids.row(r).tolist()}
    if found:
        # Small corpora hit this: with one paragraph, every term is in more than half of the paragraphs.
        raise ConfigError(
            f"vectorize: the filters drop all {len(found)} terms of the {sum(kept)} kept paragraph(s) "
            f"(vectorize.no_below = {config.no_below}, vectorize.no_above = {config.no_above}); "
            "lower no_below or raise no_above (1.0 keeps terms found in every paragraph)"
        )


def check_lexicon_coverage(theme_terms: dict[str, list[str]], present: Container[str]) -> None:
    """Warn about themes none of whose seed terms occurs in a kept paragraph: they can get no weight."""
    absent = [theme for theme, terms in theme_terms.items() if not any(t in present for t in terms)]
    if absent and len(absent) == len(theme_terms):
        message = (
            f"lexicon: no seed term of any of the {len(absent)} themes occurs in the kept paragraphs, so every "
            "paragraph is 'other'; see lexicon_coverage.csv"
        )
        warnings.warn(PipelineWarning(message, reason="lexicon_absent"))
        return
    for theme in absent:
        message = f"lexicon theme '{theme}': none of its seed terms occurs in the kept paragraphs; see lexicon_coverage.csv"
        warnings.warn(PipelineWarning(message, reason="theme_absent"))


def _counted(reasons: Counter[str]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items())) or "no text lines"
