"""pipeline/stages/complement.py: complement naive Bayes pieces with planted answers."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from pipeline.config import LabelConfig
from pipeline.stages.complement import complement_split, fit_complement, ranking_features, top_theme_labels


def test_ranking_features_have_unit_rows_and_weigh_rare_words_more():
    presence = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 1], [1, 0, 0], [0, 0, 0]], dtype=float))
    features, temperature = ranking_features(presence, np.asarray(presence.sum(axis=0)).ravel(), 4)
    dense = features.toarray()
    assert np.allclose(np.linalg.norm(dense[:3], axis=1), 1.0)
    assert not dense[3].any()  # an empty row stays empty
    assert dense[0, 1] > dense[0, 0]  # a word in one row outweighs one in three
    assert np.isclose(temperature, presence.sum() / dense.sum())


def test_top_theme_labels_are_one_hot_and_skip_rows_without_evidence():
    labels = top_theme_labels(np.array([[0.2, 0.5], [0.0, 0.0], [3.0, 1.0]]))
    assert labels.tolist() == [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]


def test_a_theme_is_scored_by_the_words_of_the_other_themes():
    # Theme 0's rows use word 0, theme 1's rows word 1: word 0 is common in theme 1's complement (theme 0's
    # text), so a row with word 0 goes to theme 0.
    label_features = np.array([[5.0, 0.0, 1.0], [0.0, 5.0, 1.0]])
    log_complement = fit_complement(label_features, LabelConfig())
    rows = sp.csr_matrix(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]))
    split = complement_split(log_complement, rows, np.array([0, 1]), LabelConfig(document_rows=0.0))
    assert split[0].argmax() == 0 and split[1].argmax() == 1
    assert np.allclose(split.sum(axis=1), 1.0)


def test_ranking_features_are_the_same_computed_in_blocks(monkeypatch):
    import pipeline.stages.complement as complement

    rng = np.random.default_rng(0)
    presence = sp.csr_matrix((rng.random((9, 6)) < 0.4).astype(float))
    per_term = np.asarray(presence.sum(axis=0)).ravel()
    whole, whole_temperature = ranking_features(presence, per_term, 9)
    monkeypatch.setattr(complement, "_BLOCK_ROWS", 2)
    blocks, block_temperature = ranking_features(presence, per_term, 9)
    assert np.array_equal(whole.toarray(), blocks.toarray()) and whole_temperature == block_temperature
