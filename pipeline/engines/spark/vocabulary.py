"""Spark: phrases, vocabulary and document frequencies as aggregations; only vocabulary-sized tables reach the
driver, where the tokenize and vectorize stages' own functions turn them into the phraser and the Dictionary."""

from __future__ import annotations

import pickle
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import pandas as pd

from pipeline.config import Config
from pipeline.stages.sequences import count_matrix, phrases_from_counts
from pipeline.stages.tokenize import PHRASE_JOIN, join_corpus_phrases, surface_form
from pipeline.stages.vectorize import dictionary_from_stats, filter_extremes
from pipeline.types import Document, Paragraph, TokenSequence

COUNTS_SCHEMA = "kind string, a string, b string, n long"
STATS_SCHEMA = "id long, present long, df long, cf long, first_doc long, first_paragraph long"


@dataclass(frozen=True)
class Vocabulary:
    """The corpus-wide tables every partition needs (vocabulary-sized, shipped with each task)."""

    words: list[str]  # sorted tokens before phrases
    phrases: list[str]  # corpus phrases (the phraser's phrasegrams)
    tokens: list[str]  # sorted tokens after phrases: the local engine's `Tokenized.vocabulary`
    surface: dict[str, str]
    dictionary: Any = None  # gensim Dictionary, once the document frequencies are counted
    phraser: Any = None


@dataclass(frozen=True)
class Part:
    """One partition's documents, paragraphs and token sequences (ids index the corpus vocabulary)."""

    doc_orders: list[int]
    documents: list[Document]
    paragraphs: list[Paragraph]
    words: TokenSequence
    tokens: TokenSequence


def unpack(frames: Iterator[pd.DataFrame], vocabulary: Vocabulary) -> Part | None:
    """A partition of `segmented` rows, in document order, with phrases joined as `tokenize` joins them."""
    parts = [f for f in frames if len(f)]
    if not parts:
        return None
    frame = pd.concat(parts).sort_values("doc_order")
    index = {w: i for i, w in enumerate(vocabulary.words)}
    paragraphs: list[Paragraph] = []
    ids: list[int] = []
    lengths: list[int] = []
    for blob, tokens in zip(frame["paragraphs"], frame["tokens"]):
        paragraphs.extend(pickle.loads(blob))
        for row in pickle.loads(tokens):
            ids.extend(index[t] for t in row)
            lengths.append(len(row))
    offsets = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64))).astype(np.int64)
    words = TokenSequence(ids=np.array(ids, dtype=np.int32), offsets=offsets)
    words, tokens, _ = join_corpus_phrases(words, vocabulary.words, vocabulary.phrases)
    documents = [pickle.loads(blob) for blob in frame["doc"]]
    return Part([int(o) for o in frame["doc_order"]], documents, paragraphs, words, tokens)


def count_words(segmented: Any, config: Config) -> Vocabulary:
    """Word, adjacent-pair and written-form counts summed over the corpus -> phraser, vocabulary, display forms."""
    min_count = config.tokenize.phrase_min_count
    want_pairs = config.tokenize.phrases

    def counts(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        unigrams: Counter[str] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        displays: Counter[tuple[str, str]] = Counter()
        for frame in frames:
            for tokens, shown in zip(frame["tokens"], frame["displays"]):
                for row in pickle.loads(tokens):
                    unigrams.update(row)
                    if want_pairs:
                        pairs.update(zip(row, row[1:]))
                if shown is not None:
                    displays.update(pickle.loads(shown))
        rows = [("u", t, "", n) for t, n in unigrams.items()]
        rows += [("p", a, b, n) for (a, b), n in pairs.items()]
        rows += [("d", t, w, n) for (t, w), n in displays.items()]
        yield pd.DataFrame(rows, columns=["kind", "a", "b", "n"])

    summed = segmented.mapInPandas(counts, COUNTS_SCHEMA).groupBy("kind", "a", "b").sum("n")
    # Pairs seen fewer than min_count times score -inf: they stay on the executors.
    kept = summed.where(f"kind != 'p' OR `sum(n)` >= {min_count}").collect()
    unigrams = {r[1]: int(r[3]) for r in kept if r[0] == "u"}
    words = sorted(unigrams)
    phraser, phrases = None, []
    if want_pairs and unigrams:
        vocab = {w: unigrams[w] for w in words}
        for a, b, n in sorted((r[1], r[2], int(r[3])) for r in kept if r[0] == "p"):
            vocab[f"{a}{PHRASE_JOIN}{b}"] = n
        phraser = phrases_from_counts(
            vocab, sum(unigrams.values()), min_count=min_count, threshold=config.tokenize.phrase_threshold,
            delimiter=PHRASE_JOIN,
        )
        phrases = list(phraser.phrasegrams)
    surfaces: dict[str, Counter[str]] = {}
    for r in kept:
        if r[0] == "d":
            surfaces.setdefault(r[1], Counter())[r[2]] = int(r[3])
    known = set(words)
    joined = [p for p in phrases if all(w in known for w in p.split(PHRASE_JOIN))]
    tokens = sorted(known.union(joined)) if joined else words
    # Display forms for every token; a token no paragraph ends up using is never looked up.
    surface = {t: surface_form(t, surfaces) for t in tokens}
    return Vocabulary(words=words, phrases=phrases, tokens=tokens, surface=surface, phraser=phraser)


def count_documents(segmented: Any, vocabulary: Vocabulary, config: Config) -> Vocabulary:
    """Document and collection frequencies over kept paragraphs, and where each term is first seen -> the
    Dictionary `vectorize` would build (same filtered terms in the same order, same statistics)."""

    def stats(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        part = unpack(frames, vocabulary)
        if part is None:
            return
        width = len(vocabulary.tokens)
        counts = count_matrix(part.tokens.ids, part.tokens.offsets, width)
        kept_rows = np.flatnonzero([p.kept for p in part.paragraphs])
        kept = counts[kept_rows]
        df = np.bincount(kept.indices, minlength=width)
        cf = np.asarray(kept.sum(axis=0)).ravel().astype(np.int64)
        present = np.bincount(part.tokens.ids, minlength=width) > 0
        doc_of = {d.doc_id: o for d, o in zip(part.documents, part.doc_orders)}
        first = np.full(width, -1, dtype=np.int64)
        rows = np.repeat(kept_rows, np.diff(kept.indptr))
        for column, row in zip(kept.indices[::-1].tolist(), rows[::-1].tolist()):
            first[column] = row  # walked backwards: the earliest row is written last
        ids = np.flatnonzero(present | (df > 0))
        frame = pd.DataFrame({
            "id": ids, "present": present[ids].astype(np.int64), "df": df[ids], "cf": cf[ids],
            "first_doc": [doc_of[part.paragraphs[first[i]].doc_id] if first[i] >= 0 else -1 for i in ids],
            "first_paragraph": [part.paragraphs[first[i]].index if first[i] >= 0 else -1 for i in ids],
        })
        totals = pd.DataFrame({
            "id": [-1], "present": [0], "df": [len(kept_rows)], "cf": [int(kept.sum())], "first_doc": [kept.nnz],
            "first_paragraph": [0],
        })
        yield pd.concat([frame, totals])

    from pyspark.sql import functions as F

    seen = F.when(F.col("df") > 0, F.struct("first_doc", "first_paragraph"))
    # first_doc carries the non-zero count in the totals row: summed there, not taken as a minimum.
    summed = segmented.mapInPandas(stats, STATS_SCHEMA).groupBy("id").agg(
        F.sum("df").alias("df"), F.sum("cf").alias("cf"), F.min(seen).alias("first"), F.sum("first_doc").alias("nnz"),
        F.max("present").alias("present"),
    )
    width = len(vocabulary.tokens)
    doc_freq = np.zeros(width, dtype=np.int64)
    collection = np.zeros(width, dtype=np.int64)
    first = np.full((width, 2), np.iinfo(np.int64).max, dtype=np.int64)
    num_docs = num_pos = num_nnz = 0
    present = set()
    for row in summed.collect():
        if row["id"] < 0:
            num_docs, num_pos, num_nnz = int(row["df"]), int(row["cf"]), int(row["nnz"])
            continue
        if row["present"]:
            present.add(vocabulary.tokens[row["id"]])
        doc_freq[row["id"]], collection[row["id"]] = row["df"], row["cf"]
        if row["first"] is not None:
            first[row["id"]] = (row["first"][0], row["first"][1])
    keep = filter_extremes(doc_freq, num_docs, config.vectorize)
    # gensim numbers terms by the paragraph it first meets them in, alphabetically within it.
    keep = keep[np.lexsort((keep, first[keep, 1], first[keep, 0]))]
    terms = [vocabulary.tokens[i] for i in keep.tolist()]
    dictionary = dictionary_from_stats(terms, doc_freq[keep], collection[keep], num_docs, num_pos, num_nnz)
    # Display forms of the tokens some paragraph uses once phrases are joined, as `tokenize` keeps them.
    surface = {t: form for t, form in vocabulary.surface.items() if t in present}
    return Vocabulary(vocabulary.words, vocabulary.phrases, vocabulary.tokens, surface, dictionary, vocabulary.phraser)
