"""Vectorize: gensim Dictionary (filtered), bag-of-words counts for the topic model, TF-IDF for explanations.

The bag-of-words is a sparse matrix counted from the token ids in one numpy pass; the Dictionary gets the
statistics gensim's own `filter_extremes` would have seen, so the vocabulary is the one gensim would keep.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from gensim.corpora import Dictionary
from sklearn.feature_extraction.text import TfidfTransformer

from pipeline.config import VectorizeConfig
from pipeline.sequences import count_matrix
from pipeline.types import Tokenized, Vectors


def vectorize(tokenized: Tokenized, kept: list[bool], config: VectorizeConfig) -> Vectors:
    """Vocabulary over kept paragraphs, filtered by document frequency; bag-of-words and TF-IDF for all rows.

    Terms are numbered as gensim would number them, so a model fitted on these counts is the one gensim
    would fit on token lists.
    """
    tokens = tokenized.tokens
    all_counts = count_matrix(tokens.ids, tokens.offsets, len(tokenized.vocabulary))
    kept_rows = np.flatnonzero(kept)
    kept_counts = all_counts[kept_rows]
    doc_freq = np.bincount(kept_counts.indices, minlength=all_counts.shape[1])
    keep_ids = _first_seen_order(_filter_extremes(doc_freq, len(kept_rows), config), kept_counts)
    counts = sp.csr_matrix(all_counts[:, keep_ids])
    counts.sort_indices()
    terms = [tokenized.vocabulary[i] for i in keep_ids.tolist()]
    dictionary = _dictionary(terms, doc_freq[keep_ids], kept_counts, keep_ids)
    kept_counts = counts[kept_rows]
    if kept_counts.nnz:
        tfidf = TfidfTransformer(sublinear_tf=True).fit(kept_counts).transform(counts)
    else:
        tfidf = counts.astype(float)
    return Vectors(dictionary=dictionary, counts=counts, tfidf=sp.csr_matrix(tfidf), terms=terms)


def _filter_extremes(doc_freq: np.ndarray, num_docs: int, config: VectorizeConfig) -> np.ndarray:
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
    dictionary = Dictionary()
    dictionary.token2id = {t: j for j, t in enumerate(terms)}
    dictionary.dfs = dict(enumerate(doc_freq.tolist()))
    collection = np.asarray(kept_counts.sum(axis=0)).ravel()[keep_ids]
    dictionary.cfs = dict(enumerate(collection.astype(np.int64).tolist()))
    dictionary.num_docs = kept_counts.shape[0]
    dictionary.num_pos = int(kept_counts.sum())
    dictionary.num_nnz = int(kept_counts.nnz)
    return dictionary
