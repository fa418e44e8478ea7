"""Spark: readable terms ("rule of law" for `rule_law`) chosen over the whole corpus, as the local engine chooses
them. The weighed tables name terms as normalized; the terms they name are gathered, their written spans counted
with `count_spans` in two passes (how many each partition has, then each partition's share of the first
SPANS_PER_TERM in corpus order), and the tables' term cells rewritten with the chosen forms."""

from __future__ import annotations

import pickle
from collections import Counter
from typing import Any, Iterator

import pandas as pd

from pipeline.config import Config
from pipeline.engines.spark.themes import TABLES_SCHEMA, partition_vectors
from pipeline.engines.spark.vocabulary import Vocabulary, unpack
from pipeline.stages.surface import SPANS_PER_TERM, SpanCounts, count_spans, evidence_terms, forms_from_counts, readable_evidence

# The cells that name terms, per table: "term:score; ..." (evidence also marks seeds with "*").
TERM_COLUMNS = {"paragraphs": "evidence", "documents": "top_terms"}


def named_terms(tables: Any) -> set[str]:
    """The normalized terms the weighed tables' term cells name (vocabulary-sized, distinct)."""

    def terms(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        found: set[str] = set()
        for frame in frames:
            for kind, blob in zip(frame["kind"], frame["frame"]):
                table = pickle.loads(blob)
                if TERM_COLUMNS[kind] in table:
                    found |= evidence_terms(table[TERM_COLUMNS[kind]])
        yield pd.DataFrame({"term": sorted(found)}, dtype=object)

    return {row[0] for row in tables.mapInPandas(terms, "term string").distinct().collect()}


def readable_forms(segmented: Any, vocabulary: Vocabulary, wanted: set[str], config: Config) -> dict[str, str]:
    """`surface_forms` of `wanted` over the corpus: the same spans counted, so the same forms."""
    tokenize_config = config.tokenize

    def counted(frames: Iterator[pd.DataFrame], limits: dict[int, dict[str, int]] | None) -> tuple[int, SpanCounts] | None:
        part = unpack(frames, vocabulary)
        if part is None:
            return None
        tokenized, _ = partition_vectors(part, vocabulary)
        order = part.doc_orders[0]
        return order, count_spans(part.paragraphs, tokenized, wanted, tokenize_config, (limits or {}).get(order))

    def seen(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        found = counted(frames, None)
        if found is not None:
            order, spans = found
            yield pd.DataFrame({"term": list(spans.seen), "part": order, "n": list(spans.seen.values())})

    per_part = segmented.mapInPandas(seen, "term string, part long, n long").collect()
    limits = _limits(per_part)

    def spans(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        found = counted(frames, limits)
        if found is not None:
            _, span_counts = found
            rows = [("s", t, s, n) for t, c in span_counts.spans.items() for s, n in c.items()]
            rows += [("c", t, s, n) for t, c in span_counts.cased.items() for s, n in c.items()]
            yield pd.DataFrame(rows, columns=["kind", "term", "span", "n"])

    summed = segmented.mapInPandas(spans, "kind string, term string, span string, n long").groupBy("kind", "term", "span").sum("n")
    total = SpanCounts({}, {}, Counter())
    for kind, term, span, n in summed.collect():
        (total.spans if kind == "s" else total.cased).setdefault(term, Counter())[span] = int(n)
    return forms_from_counts(sorted(wanted), total, vocabulary.surface)


def _limits(per_part: list[Any]) -> dict[int, dict[str, int]]:
    """Per partition, the terms it must stop counting early: the corpus's first SPANS_PER_TERM spans of a term
    end inside it (or before it, limit 0). Other terms count all their spans there."""
    limits: dict[int, dict[str, int]] = {}
    before: Counter[str] = Counter()
    for term, part, n in sorted(per_part, key=lambda r: (r[1], r[0])):
        limit = max(0, SPANS_PER_TERM - before[term])
        if limit < SPANS_PER_TERM and n >= limit:
            limits.setdefault(part, {})[term] = limit
        before[term] += n
    return limits


def readable_tables(tables: Any, display: dict[str, str]) -> Any:
    """The weighed tables with each term cell in the chosen forms (as `weight_tables` writes them locally)."""

    def rewrite(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in frames:
            blobs = []
            for kind, blob in zip(frame["kind"], frame["frame"]):
                table = pickle.loads(blob)
                if TERM_COLUMNS[kind] in table:
                    table[TERM_COLUMNS[kind]] = table[TERM_COLUMNS[kind]].map(lambda cell: readable_evidence(cell, display))
                blobs.append(pickle.dumps(table))
            yield frame.assign(frame=blobs)

    return tables.mapInPandas(rewrite, TABLES_SCHEMA)
