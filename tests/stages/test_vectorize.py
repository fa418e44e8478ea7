"""pipeline/stages/vectorize.py: document-frequency filters, rows aligned with paragraphs."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import VectorizeConfig
from pipeline.stages.vectorize import apply_vocabulary, vectorize
from pipeline.types import Tokenized

# Paragraph frequencies over the five kept rows: common 4, alpha 3, beta 3, gamma 1, delta 1, seedterm 1.
TOKENS = [
    ["alpha", "beta", "common"],
    ["alpha", "gamma", "common", "alpha"],
    ["alpha", "beta", "common", "seedterm"],
    ["beta", "delta", "common"],
    [],
    ["onlydropped", "alpha"],  # a dropped paragraph: not counted for the vocabulary
]
KEPT = [True, True, True, True, True, False]


def vectors_for(**settings):
    return vectorize(Tokenized.from_lists(TOKENS), KEPT, VectorizeConfig(**settings))


@pytest.mark.parametrize(
    ("settings", "vocabulary"),
    [
        ({"no_below": 1, "no_above": 1.0}, {"alpha", "beta", "common", "gamma", "delta", "seedterm"}),
        ({"no_below": 2, "no_above": 1.0}, {"alpha", "beta", "common"}),
        ({"no_below": 1, "no_above": 0.7}, {"alpha", "beta", "gamma", "delta", "seedterm"}),
        ({"no_below": 2, "no_above": 0.5}, set()),
        ({"no_below": 1, "no_above": 1.0, "keep_n": 1}, {"common"}),
    ],
)
def test_document_frequency_filters(settings, vocabulary):
    vectors = vectors_for(**settings)
    assert set(vectors.terms) == vocabulary
    assert "onlydropped" not in vectors.terms


def test_rows_align_with_paragraphs():
    vectors = vectors_for(no_below=1, no_above=1.0)
    assert vectors.terms == [vectors.dictionary[j] for j in range(len(vectors.dictionary))]
    assert vectors.tfidf.shape == (len(TOKENS), len(vectors.terms))
    assert vectors.counts.shape == (len(TOKENS), len(vectors.terms))
    dense = vectors.tfidf.toarray()
    for i, tokens in enumerate(TOKENS):
        in_vocabulary = {t for t in tokens if t in vectors.terms}
        assert {vectors.terms[j] for j in np.flatnonzero(dense[i])} == in_vocabulary
        row = vectors.counts[i]
        assert {vectors.dictionary[j]: c for j, c in zip(row.indices, row.data)} == {t: tokens.count(t) for t in in_vocabulary}
        norm = np.linalg.norm(dense[i])
        assert norm == pytest.approx(1.0 if in_vocabulary else 0.0)
    # The Dictionary holds the statistics gensim's own filter_extremes keeps.
    assert vectors.dictionary.dfs == {vectors.dictionary.token2id["alpha"]: 3, **{
        vectors.dictionary.token2id[t]: df for t, df in {"beta": 3, "common": 4, "gamma": 1, "delta": 1, "seedterm": 1}.items()
    }}
    assert vectors.dictionary.num_docs == 5 and vectors.dictionary.cfs[vectors.dictionary.token2id["alpha"]] == 4


def test_rare_term_weighs_more_than_a_common_one_in_the_same_row():
    vectors = vectors_for(no_below=1, no_above=1.0)
    row = vectors.tfidf.toarray()[0]  # alpha (3 paragraphs), beta (3), common (4)
    index = {t: j for j, t in enumerate(vectors.terms)}
    assert row[index["alpha"]] == pytest.approx(row[index["beta"]])
    assert row[index["alpha"]] > row[index["common"]] > 0


def test_tfidf_matches_scikit_learn_fitted_on_the_kept_rows():
    from sklearn.feature_extraction.text import TfidfTransformer

    vectors = vectors_for(no_below=1, no_above=1.0)
    kept_rows = vectors.counts[np.flatnonzero(KEPT)]
    expected = TfidfTransformer(sublinear_tf=True).fit(kept_rows).transform(vectors.counts).toarray()
    assert np.allclose(vectors.tfidf.toarray(), expected, rtol=0, atol=1e-12)


def test_a_saved_vocabulary_weighs_new_paragraphs_with_the_corpus_idf():
    vectors = vectors_for(no_below=1, no_above=1.0)
    new = apply_vocabulary(Tokenized.from_lists([["alpha", "unknown", "common"], []]), vectors.dictionary)
    assert new.terms == vectors.terms
    index = {t: j for j, t in enumerate(new.terms)}
    assert new.bow[0] == sorted([(index["alpha"], 1), (index["common"], 1)])
    same_row = apply_vocabulary(Tokenized.from_lists([TOKENS[0]]), vectors.dictionary)
    assert np.allclose(same_row.tfidf.toarray(), vectors.tfidf[0].toarray())
    assert new.tfidf[1].nnz == 0


def test_no_terms_left_gives_empty_matrices():
    vectors = vectors_for(no_below=5, no_above=1.0)
    assert vectors.terms == []
    assert vectors.tfidf.shape == (len(TOKENS), 0)
    assert vectors.counts.shape == (len(TOKENS), 0) and vectors.counts.nnz == 0
