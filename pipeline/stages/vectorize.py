"""Vectorize: gensim Dictionary (filtered), bag-of-words for the topic model, TF-IDF for explanations."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from gensim.corpora import Dictionary
from sklearn.preprocessing import normalize

from pipeline.config import VectorizeConfig
from pipeline.types import Tokenized, Vectors


def vectorize(tokenized: Tokenized, kept: list[bool], config: VectorizeConfig) -> Vectors:
    """Vocabulary over kept paragraphs, filtered by document frequency; bag-of-words and TF-IDF for all rows."""
    dictionary = Dictionary(tokens for tokens, keep in zip(tokenized.tokens, kept) if keep)
    dictionary.filter_extremes(no_below=config.no_below, no_above=config.no_above, keep_n=config.keep_n)
    return apply_vocabulary(tokenized, dictionary)


def apply_vocabulary(tokenized: Tokenized, dictionary: Dictionary) -> Vectors:
    """Bag-of-words and TF-IDF of every paragraph over a fitted vocabulary (this corpus's or a saved run's).

    The idf comes from the document frequencies the Dictionary counted over the kept paragraphs it was built
    from, so new documents are weighed against the corpus the vocabulary came from.
    """
    bow = [dictionary.doc2bow(tokens) for tokens in tokenized.tokens]
    counts = bow_matrix(bow, len(dictionary))
    terms = [dictionary[i] for i in range(len(dictionary))]
    return Vectors(dictionary=dictionary, bow=bow, counts=counts, tfidf=tfidf_matrix(counts, dictionary), terms=terms)


def tfidf_matrix(counts: sp.csr_matrix, dictionary: Dictionary) -> sp.csr_matrix:
    """Sublinear tf (1 + log count) times smoothed idf (1 + log((n + 1) / (df + 1))), rows L2-normalized."""
    doc_freq = np.array([dictionary.dfs.get(i, 0) for i in range(len(dictionary))], dtype=np.float64)
    idf = np.log((dictionary.num_docs + 1) / (doc_freq + 1)) + 1.0
    tf = counts.copy()
    tf.data = np.log(tf.data) + 1.0
    if not len(dictionary):  # nothing to weigh (sklearn's normalize refuses zero columns)
        return tf
    return sp.csr_matrix(normalize(tf @ sp.diags(idf), norm="l2"))


def bow_matrix(bow: list[list[tuple[int, int]]], num_terms: int) -> sp.csr_matrix:
    """Paragraphs x terms count matrix from gensim bag-of-words rows."""
    indptr = np.zeros(len(bow) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(row) for row in bow])
    indices = np.fromiter((i for row in bow for i, _ in row), dtype=np.int32, count=int(indptr[-1]))
    data = np.fromiter((c for row in bow for _, c in row), dtype=np.float64, count=int(indptr[-1]))
    return sp.csr_matrix((data, indices, indptr), shape=(len(bow), num_terms))
