"""Vectorize: gensim Dictionary (filtered), bag-of-words for the topic model, TF-IDF for explanations."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from gensim.corpora import Dictionary
from sklearn.feature_extraction.text import TfidfTransformer

from pipeline.config import VectorizeConfig
from pipeline.types import Tokenized, Vectors


def vectorize(tokenized: Tokenized, kept: list[bool], config: VectorizeConfig) -> Vectors:
    """Vocabulary over kept paragraphs, filtered by document frequency; bag-of-words and TF-IDF for all rows."""
    dictionary = Dictionary(tokens for tokens, keep in zip(tokenized.tokens, kept) if keep)
    dictionary.filter_extremes(no_below=config.no_below, no_above=config.no_above, keep_n=config.keep_n)
    bow = [dictionary.doc2bow(tokens) for tokens in tokenized.tokens]
    counts = bow_matrix(bow, len(dictionary))
    kept_counts = counts[np.flatnonzero(kept)]
    if kept_counts.nnz:
        tfidf = TfidfTransformer(sublinear_tf=True).fit(kept_counts).transform(counts)
    else:
        tfidf = counts.astype(float)
    terms = [dictionary[i] for i in range(len(dictionary))]
    return Vectors(dictionary=dictionary, bow=bow, counts=counts, tfidf=sp.csr_matrix(tfidf), terms=terms)


def bow_matrix(bow: list[list[tuple[int, int]]], num_terms: int) -> sp.csr_matrix:
    """Paragraphs x terms count matrix from gensim bag-of-words rows."""
    indptr = np.zeros(len(bow) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(row) for row in bow])
    indices = np.fromiter((i for row in bow for i, _ in row), dtype=np.int32, count=int(indptr[-1]))
    data = np.fromiter((c for row in bow for _, c in row), dtype=np.float64, count=int(indptr[-1]))
    return sp.csr_matrix((data, indices, indptr), shape=(len(bow), num_terms))
