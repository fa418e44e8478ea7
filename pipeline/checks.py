"""Checks between stages: a warning when part of the corpus leaves a stage with nothing to analyse, an error
when all of it does. They read stage outputs and change nothing."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Container

from pipeline.errors import InputError, PipelineWarning
from pipeline.types import Document, Paragraph


def check_paragraphs(documents: list[Document], paragraphs: list[Paragraph]) -> None:
    """Warn about each document whose paragraphs were all dropped; InputError when no paragraph is kept at all."""
    with_kept: set[str] = set()
    dropped: dict[str, Counter[str]] = {}
    for p in paragraphs:
        if p.kept:
            with_kept.add(p.doc_id)
        else:
            dropped.setdefault(p.doc_id, Counter())[p.drop_reason] += 1
    if not with_kept:
        raise InputError(
            f"no paragraph left to analyse: the cleaning rules dropped all text of the {len(documents)} "
            f"document(s) ({_counted(sum(dropped.values(), Counter()))}); see the [clean] settings and segment.min_words"
        )
    for doc in documents:
        if doc.doc_id not in with_kept:
            message = f"{doc.source}: every paragraph was dropped ({_counted(dropped.get(doc.doc_id, Counter()))}); "
            warnings.warn(PipelineWarning(message + "its weights are all 'other'", reason="all_boilerplate"))


def check_lexicon_coverage(theme_terms: dict[str, list[str]], vocabulary: Container[str]) -> None:
    """Warn about themes none of whose seed terms is in the model vocabulary: they can get no weight."""
    absent = [theme for theme, terms in theme_terms.items() if not any(t in vocabulary for t in terms)]
    if absent and len(absent) == len(theme_terms):
        message = (
            f"lexicon: no seed term of any of the {len(absent)} themes is in the corpus vocabulary, so every "
            "paragraph is 'other'; see lexicon_coverage.csv"
        )
        warnings.warn(PipelineWarning(message, reason="lexicon_absent"))
        return
    for theme in absent:
        message = f"lexicon theme '{theme}': none of its seed terms is in the corpus vocabulary; see lexicon_coverage.csv"
        warnings.warn(PipelineWarning(message, reason="theme_absent"))


def _counted(reasons: Counter[str]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items())) or "no text lines"
