"""Vectorize: gensim Dictionary (filtered), bag-of-words counts for the topic model, TF-IDF for explanations.

The bag-of-words is a sparse matrix counted from the token ids in one numpy pass; the Dictionary gets the
statistics gensim's own `filter_extremes` would have seen, so the vocabulary is the one gensim would keep.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from gensim.corpora import Dictionary
from sklearn.preprocessing import normalize

from pipeline.config import VectorizeConfig
from pipeline.errors import PipelineWarning
from pipeline.stages.sequences import count_matrix
from pipeline.types import Tokenized, Vectors


def vectorize(tokenized: Tokenized, kept: list[bool], config: VectorizeConfig) -> Vectors:
    """Vocabulary over kept paragraphs, filtered by document frequency; bag-of-words (and, on first use, TF-IDF)
    for all rows.

    Terms are numbered as gensim would number them, so a model fitted on these counts is the one gensim
    would fit on token lists.
    """
    counts, terms, dictionary = _bag_of_words(tokenized, kept, config)
    return Vectors(dictionary=dictionary, counts=counts, terms=terms)


def _bag_of_words(
    tokenized: Tokenized, kept: list[bool], config: VectorizeConfig
) -> tuple[sp.csr_matrix, list[str], Dictionary]:
    """Counts over the filtered vocabulary, its terms and Dictionary; the unfiltered counts end here, before TF-IDF."""
    tokens = tokenized.token_ids
    all_counts = count_matrix(tokens.ids, tokens.offsets, len(tokenized.vocabulary))
    kept_rows = np.flatnonzero(kept)
    kept_counts = all_counts[kept_rows]
    doc_freq = np.bincount(kept_counts.indices, minlength=all_counts.shape[1])
    keep_ids = _first_seen_order(filter_extremes(doc_freq, len(kept_rows), config), kept_counts)
    terms = [tokenized.vocabulary[i] for i in keep_ids.tolist()]
    dictionary = _dictionary(terms, doc_freq[keep_ids], kept_counts, keep_ids)
    del kept_counts  # before the column selection below makes another matrix of the corpus's size
    counts = sp.csr_matrix(all_counts[:, keep_ids])
    counts.sort_indices()
    return counts, terms, dictionary


# Below this many kept paragraphs, document frequency says little about a term (with one paragraph every term is
# in all of them): every term is kept, so one document or a handful of paragraphs still runs end to end.
SMALL_CORPUS_PARAGRAPHS = 20


def filters_for_size(config: VectorizeConfig, n_kept: int) -> VectorizeConfig:
    """`config`, or for a corpus of fewer than SMALL_CORPUS_PARAGRAPHS kept paragraphs no_below = 1 and
    no_above = 1.0, with a warning naming both values."""
    if n_kept >= SMALL_CORPUS_PARAGRAPHS or (config.no_below == 1 and config.no_above == 1.0):
        return config
    warnings.warn(
        PipelineWarning(
            f"vectorize: only {n_kept} kept paragraph(s), fewer than {SMALL_CORPUS_PARAGRAPHS}: vocabulary filters "
            f"relaxed from no_below = {config.no_below}, no_above = {config.no_above} to no_below = 1, "
            "no_above = 1.0 (every term kept)",
            reason="small_corpus",
        )
    )
    return config.model_copy(update={"no_below": 1, "no_above": 1.0})


def apply_vocabulary(tokenized: Tokenized, dictionary: Dictionary) -> Vectors:
    """Bag-of-words (and, on first use, TF-IDF) of every paragraph over a fitted vocabulary (this corpus's or a saved run's).

    The idf comes from the document frequencies the Dictionary counted over the kept paragraphs it was built
    from, so new documents are weighed against the corpus the vocabulary came from.
    """
    column_of_id = np.array([dictionary.token2id.get(t, -1) for t in tokenized.vocabulary], dtype=np.int64)
    tokens = tokenized.token_ids
    counts = count_matrix(column_of_id[tokens.ids] if len(column_of_id) else tokens.ids, tokens.offsets, len(dictionary))
    terms = [dictionary[i] for i in range(len(dictionary))]
    return Vectors(dictionary=dictionary, counts=counts, terms=terms)


def tfidf_matrix(counts: sp.csr_matrix, dictionary: Dictionary) -> sp.csr_matrix:
    """Sublinear tf (1 + log count) times smoothed idf (1 + log((n + 1) / (df + 1))), rows L2-normalized."""
    doc_freq = np.array([dictionary.dfs.get(i, 0) for i in range(len(dictionary))], dtype=np.float64)
    idf = np.log((dictionary.num_docs + 1) / (doc_freq + 1)) + 1.0
    tf = counts.copy()
    tf.data = np.log(tf.data) + 1.0
    if not len(dictionary) or not counts.shape[0]:  # nothing to weigh (sklearn's normalize refuses an empty matrix)
        return tf
    # Weighed and normalized in place: one matrix of the corpus's size, not three. Each entry is tf * idf, as
    # the product with a diagonal matrix gives it.
    tf.data *= idf[tf.indices]
    return sp.csr_matrix(normalize(tf, norm="l2", copy=False))


def filter_extremes(doc_freq: np.ndarray, num_docs: int, config: VectorizeConfig) -> np.ndarray:
    """Ids kept by gensim's filter_extremes rules: no_below <= df <= int(no_above * docs), top keep_n by df."""
    good = np.flatnonzero((doc_freq >= config.no_below) & (doc_freq <= int(config.no_above * num_docs)))
    # gensim sorts by df, stable over ids (here alphabetical order).
    return good[np.lexsort((good, -doc_freq[good]))][: config.keep_n]


def _first_seen_order(ids: np.ndarray, kept_counts: sp.csr_matrix) -> np.ndarray:
    """`ids` in the order gensim's Dictionary numbers terms: by first paragraph, alphabetical within it."""
    first_row = np.full(kept_counts.shape[1], kept_counts.shape[0], dtype=np.int64)
    rows = np.repeat(np.arange(kept_counts.shape[0], dtype=np.int64), np.diff(kept_counts.indptr))
    np.minimum.at(first_row, kept_counts.indices, rows)
    return ids[np.lexsort((ids, first_row[ids]))]


def _dictionary(terms: list[str], doc_freq: np.ndarray, kept_counts: sp.csr_matrix, keep_ids: np.ndarray) -> Dictionary:
    """A gensim Dictionary over `terms` with the statistics of the kept paragraphs."""
    collection = np.asarray(kept_counts.sum(axis=0)).ravel()[keep_ids]
    return dictionary_from_stats(
        terms, doc_freq, collection, kept_counts.shape[0], int(kept_counts.sum()), int(kept_counts.nnz)
    )


def dictionary_from_stats(
    terms: list[str], doc_freq: np.ndarray, collection: np.ndarray, num_docs: int, num_pos: int, num_nnz: int
) -> Dictionary:
    """A gensim Dictionary over `terms` from the kept paragraphs' statistics, however they were counted."""
    dictionary = Dictionary()
    dictionary.token2id = {t: j for j, t in enumerate(terms)}
    # Filled now, not on first lookup, so the saved Dictionary's bytes do not depend on which stages ran.
    dictionary.id2token = dict(enumerate(terms))
    dictionary.dfs = dict(enumerate(doc_freq.tolist()))
    dictionary.cfs = dict(enumerate(collection.astype(np.int64).tolist()))
    dictionary.num_docs = num_docs
    dictionary.num_pos = num_pos
    dictionary.num_nnz = num_nnz
    return dictionary
