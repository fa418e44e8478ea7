"""Spark: the lexicon audit's corpus counts as aggregations (evidence term totals, paragraphs per term, seeded
paragraphs) and the evidence shapes from each candidate word's first occurrences in corpus order; the audit
itself is the local engine's `audit_from_counts` on the driver."""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import pandas as pd

from pipeline.engines.spark.themes import SUMS_SCHEMA, Lexical, ordered_sums, partition_evidence
from pipeline.engines.spark.vocabulary import Vocabulary, unpack
from pipeline.stages.audit import (
    SHAPE_OCCURRENCES, AuditCounts, seed_columns, shape_candidates, shape_words, shapes_from_occurrences,
    word_occurrences,
)
from pipeline.store.frames import paragraphs_per_term
from pipeline.types import ThemeTerms

_TERM_TOTALS, _PARAGRAPHS = 0, 1


def audit_counts(
    segmented: Any, vocabulary: Vocabulary, lex: Lexical, seeds: dict[str, list[str]], topic_mass: np.ndarray
) -> tuple[AuditCounts, np.ndarray]:
    """The audit's counts over kept paragraphs, and each evidence term's paragraphs (all rows, as theme_terms.csv
    counts them). Whole numbers: their sums are exact in any order."""
    columns = seed_columns(lex.terms, seeds)
    width = len(lex.terms)

    def counts(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        part = unpack(frames, vocabulary)
        if part is None:
            return
        _, _, evidence = partition_evidence(part, vocabulary, lex)
        kept = evidence.counts[np.flatnonzero([p.kept for p in part.paragraphs])]
        totals = np.asarray(kept.sum(axis=0)).ravel()
        per_term = paragraphs_per_term(evidence.counts)
        seeded = int((np.asarray(kept[:, columns].sum(axis=1)).ravel() > 0).sum()) if columns else 0
        out = [(int(t), _TERM_TOTALS, 0, float(totals[t])) for t in np.flatnonzero(totals)]
        out += [(int(t), _PARAGRAPHS, 0, float(per_term[t])) for t in np.flatnonzero(per_term)]
        out += [(width, _TERM_TOTALS, 0, float(kept.shape[0])), (width, _PARAGRAPHS, 0, float(seeded))]
        yield pd.DataFrame(out, columns=["term", "theme", "part", "value"])

    table = ordered_sums(segmented.mapInPandas(counts, SUMS_SCHEMA), (width + 1, 2))
    found = AuditCounts(
        kept_paragraphs=int(table[width, _TERM_TOTALS]),
        term_totals=table[:width, _TERM_TOTALS],
        seeded_paragraphs=int(table[width, _PARAGRAPHS]),
        topic_mass=topic_mass,
    )
    return found, table[:width, _PARAGRAPHS].astype(np.int64)


def evidence_term_shapes(
    segmented: Any, vocabulary: Vocabulary, theme_terms: ThemeTerms, term_totals: np.ndarray, terms: list[str]
) -> dict[str, str]:
    """`term_shapes` of the audit's candidate terms: each partition lists a word's first occurrences in its kept
    paragraphs; joined in partition (= corpus) order, the first SHAPE_OCCURRENCES are the local engine's."""
    candidates = shape_candidates(theme_terms, term_totals, terms)
    words = shape_words(candidates)

    def occurrences(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        part = unpack(frames, vocabulary)
        if part is None:
            return
        found = word_occurrences(words, (p.text for p in part.paragraphs if p.kept))
        order = part.doc_orders[0]
        yield pd.DataFrame({"word": list(found), "part": order, "letters": list(found.values())})

    rows = segmented.mapInPandas(occurrences, "word string, part long, letters string").collect()
    joined: dict[str, str] = {}
    for word, _, letters in sorted(rows, key=lambda r: (r[0], r[1])):
        joined[word] = (joined.get(word, "") + letters)[:SHAPE_OCCURRENCES]
    return shapes_from_occurrences(candidates, joined)
