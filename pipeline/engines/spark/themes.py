"""Spark: lexicon evidence, the seeded learning and the weights, per partition with the stage functions; the
corpus-wide parts (seed document frequencies, the word models' sufficient statistics) as aggregations."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.config import Config
from pipeline.engines.spark.vocabulary import Part, Vocabulary, unpack
from pipeline.stages.evidence import evidence_counts, seed_matrix
from pipeline.stages.label import seed_weights
from pipeline.stages.complement import complement_split, fit_complement, ranking_features, top_theme_labels
from pipeline.stages.learn import apply_theme_model, background_of, fit_theme_model, presence, theme_share
from pipeline.stages.vectorize import apply_vocabulary
from pipeline.stages.weigh import seed_evidence, weigh
from pipeline.types import (
    EvidenceCounts, ThemeModel, ThemeTerms, Tokenized, TokenSequence, TopicLabels, TopicModel, Vectors, WeighInputs,
)
from pipeline.store.frames import weight_tables

SUMS_SCHEMA = "term long, theme long, part long, value double"
TABLES_SCHEMA = "kind string, part long, chunk long, frame binary"
# Rows of a table per pickled chunk: a whole partition's paragraphs with their text in one binary cell outgrows the
# JVM's buffers (312k UN paragraphs over 8 partitions: out of heap with spark.driver.memory = 1g).
CHUNK_ROWS = 2_000


@dataclass(frozen=True)
class Lexical:
    """What the lexicon adds to a partition: seeds per theme and the corpus-wide evidence term list."""

    theme_terms: dict[str, list[str]]
    terms: list[str]  # the evidence columns: vocabulary terms, then seeds outside it
    seeds: np.ndarray  # terms x themes (seed_matrix)
    surface: dict[str, str]  # the tokenizer's display form of every evidence term


def partition_vectors(part: Part, vocabulary: Vocabulary) -> tuple[Tokenized, Vectors]:
    tokenized = Tokenized(part.tokens, part.words, vocabulary.tokens, vocabulary.surface, vocabulary.phraser)
    return tokenized, apply_vocabulary(tokenized, vocabulary.dictionary)


def lexical(vocabulary: Vocabulary, theme_terms: dict[str, list[str]]) -> Lexical:
    """The evidence columns, from `evidence_counts` run on no paragraphs (they depend on the vocabulary only)."""
    empty = TokenSequence(ids=np.empty(0, dtype=np.int32), offsets=np.zeros(1, dtype=np.int64))
    tokenized = Tokenized(empty, empty, vocabulary.tokens, vocabulary.surface)
    terms = [vocabulary.dictionary[i] for i in range(len(vocabulary.dictionary))]
    no_rows = sp.csr_matrix((0, len(terms)))
    evidence = evidence_counts(tokenized, Vectors(vocabulary.dictionary, no_rows, terms), theme_terms)
    return Lexical(theme_terms, evidence.terms, seed_matrix(evidence, theme_terms), evidence.surface)


def partition_evidence(part: Part, vocabulary: Vocabulary, lex: Lexical) -> tuple[Tokenized, Vectors, EvidenceCounts]:
    tokenized, vectors = partition_vectors(part, vocabulary)
    return tokenized, vectors, evidence_counts(tokenized, vectors, lex.theme_terms)


def ordered_sums(rows: Any, shape: tuple[int, int]) -> np.ndarray:
    """(term, theme) sums of per-partition values, added in partition order so the bits do not depend on the
    order shuffle blocks arrive in; only the summed table (vocabulary x themes) reaches the driver."""
    from pyspark.sql import functions as F

    grouped = rows.groupBy("term", "theme").agg(F.sort_array(F.collect_list(F.struct("part", "value"))).alias("v"))
    total = grouped.select("term", "theme", F.aggregate("v", F.lit(0.0), lambda acc, x: acc + x["value"]).alias("s"))
    table = np.zeros(shape)
    for term, theme, value in total.collect():
        table[term, theme] = value
    return table


def theme_terms_of(
    segmented: Any, vocabulary: Vocabulary, lex: Lexical, config: Config
) -> tuple[ThemeTerms, np.ndarray, int]:
    """Idf-scaled seed weights (`seed_weights` on the summed seed document frequencies), the learning's
    background (each evidence term's count of learning rows, kept paragraphs and titles, it occurs in) and the
    number of learning rows."""
    seeded = np.flatnonzero(lex.seeds.any(axis=1))

    def frequencies(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        part = unpack(frames, vocabulary)
        if part is None:
            return
        _, _, evidence = partition_evidence(part, vocabulary, lex)
        kept = np.flatnonzero([p.kept for p in part.paragraphs])
        rows = _learning_rows(part)
        doc_freq = np.asarray((evidence.counts[kept] > 0).sum(axis=0)).ravel()
        background = np.asarray(presence(evidence.counts[rows]).sum(axis=0)).ravel()
        out = [(int(t), 0, 0, float(doc_freq[t])) for t in seeded if doc_freq[t]]
        out += [(int(t), 1, 0, float(background[t])) for t in np.flatnonzero(background)]
        out.append((len(lex.terms), 0, 0, float(len(kept))))
        out.append((len(lex.terms), 1, 0, float(len(rows))))
        yield pd.DataFrame(out, columns=["term", "theme", "part", "value"])

    # Counts are whole numbers: their sums are exact in any order.
    table = ordered_sums(segmented.mapInPandas(frequencies, SUMS_SCHEMA), (len(lex.terms) + 1, 2))
    weights = seed_weights(lex.seeds, table[:-1, 0], int(table[-1, 0]), config.label)
    return ThemeTerms(weights=weights, is_seed=lex.seeds > 0), table[:-1, 1], int(table[-1, 1])


def _learning_rows(part: Part) -> np.ndarray:
    return np.flatnonzero([p.kept or p.drop_reason == "title" for p in part.paragraphs])


def learn(
    segmented: Any, vocabulary: Vocabulary, lex: Lexical, theme_terms: ThemeTerms, presence_per_term: np.ndarray,
    learning_rows: int, config: Config,
) -> ThemeModel | None:
    """`learn_themes`' EM and `self_train`'s complement rounds with their statistics summed over partitions: each
    round one pass over the data. None when no seed occurs anywhere (then, as locally, nothing is learned)."""
    label = config.label
    log_background = background_of(presence_per_term)
    model: ThemeModel | None = None
    for _ in range(label.learn_iterations):
        current = model

        def shares(context: np.ndarray, counts: sp.csr_matrix, doc_rows: np.ndarray, kept: np.ndarray,
                   current: ThemeModel | None = current) -> np.ndarray:
            learned = np.zeros_like(context)
            if current is not None:
                learned = apply_theme_model(current, presence(counts), doc_rows, label).evidence
            return theme_share(context, learned, kept, label)

        table = _summed(segmented, vocabulary, lex, theme_terms, label, shares, presence)
        share_per_theme = table[-1]
        if not share_per_theme.any() and current is None:
            return None
        model = fit_theme_model(table[:-1].T, share_per_theme, float(share_per_theme.sum()), log_background, label)
    if model is None or not label.complement_rounds:
        return model
    return replace(model, log_complement=_self_train(segmented, vocabulary, lex, theme_terms, model,
                                                     presence_per_term, learning_rows, label))


def _self_train(
    segmented: Any, vocabulary: Vocabulary, lex: Lexical, theme_terms: ThemeTerms, em_model: ThemeModel,
    presence_per_term: np.ndarray, learning_rows: int, label: Any,
) -> np.ndarray:
    """`self_train` with each round's feature sums over partitions; hard labels keep the final presence counts
    whole numbers (exact in any order)."""
    def features(counts: sp.csr_matrix) -> sp.csr_matrix:
        return ranking_features(presence(counts), presence_per_term, learning_rows)[0]

    def first(context: np.ndarray, counts: sp.csr_matrix, doc_rows: np.ndarray, _kept: np.ndarray) -> np.ndarray:
        labels = top_theme_labels(context + apply_theme_model(em_model, presence(counts), doc_rows, label).evidence)
        return np.hstack([labels, np.ones((len(labels), 1))])  # the ones sum the features: the temperature

    table = _summed(segmented, vocabulary, lex, theme_terms, label, first, features, extra_columns=1)
    temperature = float(presence_per_term.sum()) / max(float(table[:-1, -1].sum()), 1e-12)
    ranking = temperature * fit_complement(table[:-1, :-1].T, label)
    for _ in range(label.complement_rounds - 1):
        table = _summed(segmented, vocabulary, lex, theme_terms, label, _relabel(ranking, features, label), features)
        ranking = temperature * fit_complement(table[:-1].T, label)
    table = _summed(segmented, vocabulary, lex, theme_terms, label, _relabel(ranking, features, label), presence)
    return fit_complement(table[:-1].T, label)


def _relabel(ranking: np.ndarray, features: Callable[[sp.csr_matrix], sp.csr_matrix], label: Any) -> Callable:
    """Row weights: each learning row's top theme under the ranking model."""

    def labels(_context: np.ndarray, counts: sp.csr_matrix, doc_rows: np.ndarray, _kept: np.ndarray) -> np.ndarray:
        return top_theme_labels(complement_split(ranking, features(counts), doc_rows, label))

    return labels


def _summed(
    segmented: Any, vocabulary: Vocabulary, lex: Lexical, theme_terms: ThemeTerms, label: Any,
    row_weights: Callable[[np.ndarray, sp.csr_matrix, np.ndarray, np.ndarray], np.ndarray],
    features: Callable[[sp.csr_matrix], sp.csr_matrix], extra_columns: int = 0,
) -> np.ndarray:
    """(terms + 1) x (themes + `extra_columns`): `features` of each term summed over the learning rows weighted by `row_weights` (of
    each row's seed evidence in context, counts, document numbers and kept flags), and the weights' sums."""

    def statistics(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        part = unpack(frames, vocabulary)
        if part is None:
            return
        _, _, evidence = partition_evidence(part, vocabulary, lex)
        context, rows, doc_rows = seed_evidence(part.paragraphs, evidence.counts, theme_terms, label)
        counts = evidence.counts[rows]
        kept = np.array([part.paragraphs[r].kept for r in rows], dtype=bool)
        weights = row_weights(context[rows], counts, doc_rows, kept)
        stats = np.asarray(features(counts).T @ weights)
        terms, columns = np.nonzero(stats)
        order = part.doc_orders[0]
        out = pd.DataFrame({"term": terms, "theme": columns, "part": order, "value": stats[terms, columns]})
        sums = pd.DataFrame({"term": len(lex.terms), "theme": np.arange(weights.shape[1]), "part": order,
                             "value": weights.sum(axis=0)})
        yield pd.concat([out, sums])

    width = theme_terms.weights.shape[1] + extra_columns
    return ordered_sums(segmented.mapInPandas(statistics, SUMS_SCHEMA), (len(lex.terms) + 1, width))


def weighed_tables(
    segmented: Any, vocabulary: Vocabulary, lex: Lexical, theme_terms: ThemeTerms, theme_model: ThemeModel | None,
    topics: tuple[np.ndarray, TopicLabels], themes: list[str], config: Config,
) -> Any:
    """`weigh` per partition with the corpus's theme terms and learned model, then the runner's paragraph and
    document tables of each partition, pickled CHUNK_ROWS rows at a time (kind "paragraphs" or "documents", the
    partition's first document, the chunk's number), terms as normalized."""
    topic_term, labels = topics

    def tables(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        part = unpack(frames, vocabulary)
        if part is None:
            return
        tokenized, vectors, evidence = partition_evidence(part, vocabulary, lex)
        # Weights from the lexicon only (label.method = "lexicon"): the topic mixture is computed but unused.
        topic_model = TopicModel(None, topic_term, np.zeros((len(part.paragraphs), topic_term.shape[0])), [""] * len(topic_term))
        inputs = WeighInputs(
            part.paragraphs, [d.doc_id for d in part.documents], evidence, theme_terms, topic_model, labels, themes
        )
        weights = weigh(inputs, config.label, display={}, theme_model=theme_model)  # terms named as normalized
        # Terms as normalized: their readable forms are chosen over the whole corpus afterwards (spellings.py).
        frames_of, _ = weight_tables(part.documents, part.paragraphs, tokenized, vectors, weights, config, display={})
        order = part.doc_orders[0]
        for kind in ("paragraphs", "documents"):
            table = frames_of[f"{kind}.csv"]
            starts = range(0, max(len(table), 1), CHUNK_ROWS)
            yield pd.DataFrame({
                "kind": kind, "part": order, "chunk": list(range(len(starts))),
                "frame": [pickle.dumps(table.iloc[start : start + CHUNK_ROWS]) for start in starts],
            })

    return segmented.mapInPandas(tables, TABLES_SCHEMA)
