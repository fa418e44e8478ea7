import numpy as np
import pytest

from pipeline.config import LabelConfig, ModelConfig
from pipeline.stages.evidence import evidence_counts, seed_matrix
from pipeline.stages.label import expand_lexicon, label_topics
from pipeline.stages.model import fit_replicates, fit_topics, replicate_seeds
from pipeline.stages.stability import align_topics, combine_replicates, theme_stability
from pipeline.stages.weigh import weigh
from pipeline.types import ThemeWeights, WeighInputs

from .planted import FAINT_LEXICON, LEXICON, planted_paragraphs, planted_vectors, with_faint_theme


def replicate_run(paragraphs, lexicon, model_config, seed=1, label_config=LabelConfig()):
    """The runner's model -> label -> weigh -> stability sequence on planted paragraphs."""
    tokenized, terms, kept, vectors = planted_vectors(paragraphs, lexicon)
    replicates = fit_replicates(vectors, kept, terms, model_config, seed=seed, n_jobs=1)
    config = label_config
    labels = [label_topics(m, vectors, terms, config) for m in replicates]
    evidence = evidence_counts(tokenized, vectors, terms)
    expanded = expand_lexicon(evidence.counts, seed_matrix(evidence, terms), config)
    per_replicate = [
        weigh(WeighInputs(paragraphs, ["doc"], evidence, expanded, m, l, list(terms)), config)
        for m, l in zip(replicates, labels)
    ]
    combined = combine_replicates(per_replicate)
    alignment = align_topics(replicates, labels, replicate_seeds(seed, model_config.seeds))
    n_tokens = np.asarray(vectors.counts.sum(axis=1)).ravel()
    stability = theme_stability(replicates, labels, list(terms), n_tokens, alignment, combined, 10)
    return replicates, combined, alignment, stability


def by_theme(stability):
    return dict(zip(stability.themes, stability.stability))


@pytest.mark.parametrize("seed", [1, 4])
def test_a_theme_with_little_support_is_less_stable_than_themes_with_consistent_support(seed):
    # Unseeded, three topics for two planted ones: the spare topic lands on the faint theme's two paragraphs
    # for some seeds only, so that theme has a topic in some replicates and not in others.
    config = ModelConfig(num_topics=3, passes=20, seeded=False, seeds=5)
    _, _, _, stability = replicate_run(with_faint_theme(planted_paragraphs()), FAINT_LEXICON, config, seed)
    scores = by_theme(stability)
    assert scores["space"] > 0.95 and scores["fruit"] > 0.95
    assert scores["faint"] < 0.5
    share = dict(zip(stability.themes, stability.labeled_share))
    assert share["space"] == share["fruit"] == 1.0 and share["faint"] < 1.0


def test_replicate_zero_is_the_single_seed_model():
    _, terms, kept, vectors = planted_vectors(planted_paragraphs())
    config = ModelConfig(num_topics=2, passes=10, seeds=3)
    replicates = fit_replicates(vectors, kept, terms, config, seed=7, n_jobs=1)
    single = fit_topics(vectors, kept, terms, config, seed=7)
    assert replicate_seeds(7, 3) == [7, 8, 9]
    assert replicate_seeds(2**32 - 1, 2) == [2**32 - 1, 0]
    assert np.array_equal(replicates[0].topic_term, single.topic_term)
    assert not np.array_equal(replicates[1].topic_term, single.topic_term)


def test_alignment_matches_permuted_topics_and_scores_identical_replicates_one():
    replicates, _, alignment, _ = replicate_run(
        planted_paragraphs(), LEXICON, ModelConfig(num_topics=2, passes=20, seeded=False, seeds=4)
    )
    for r, model in enumerate(replicates):
        aligned = model.topic_term[alignment.matched[r]]
        assert np.allclose(aligned, replicates[0].topic_term, atol=0.05)
    assert np.allclose(alignment.stability, 1.0, atol=1e-3)
    assert (alignment.label_agreement == 1.0).all()


def test_combined_weights_are_the_mean_with_an_interval_around_it():
    config = ModelConfig(num_topics=3, passes=20, seeded=False, seeds=5)
    hybrid = LabelConfig(method="hybrid")
    _, combined, _, stability = replicate_run(
        with_faint_theme(planted_paragraphs()), FAINT_LEXICON, config, label_config=hybrid
    )
    assert (combined.document_lo <= combined.document).all() and (combined.document <= combined.document_hi).all()
    assert np.allclose(combined.paragraph.sum(axis=1), 1.0)
    assert (stability.mean_interval >= 0).all()
    assert (combined.document_hi - combined.document_lo).max() > 0  # the seeds do move the hybrid weights


def test_lexicon_weights_do_not_depend_on_the_topic_model_seed():
    config = ModelConfig(num_topics=3, passes=20, seeded=False, seeds=3)
    _, combined, _, stability = replicate_run(with_faint_theme(planted_paragraphs()), FAINT_LEXICON, config)
    assert np.allclose(combined.document_lo, combined.document_hi, rtol=0, atol=1e-12)
    assert np.isfinite(stability.stability).any()  # the topics' own stability is still reported


def test_one_replicate_passes_through_unchanged():
    weights = ThemeWeights(["a", "other"], np.array([[0.3, 0.7]]), np.array([[0.3, 0.7]]), ["x"])
    assert combine_replicates([weights]) is weights


def test_the_interval_always_holds_the_mean():
    # 21 replicates, 20 at 1.0 and one at 0: the 5th percentile (1.0) lies above the mean (0.952).
    replicates = [
        ThemeWeights(["a", "other"], np.array([[v, 1 - v]]), np.array([[v, 1 - v]]), ["e"]) for v in [0.0] + [1.0] * 20
    ]
    combined = combine_replicates(replicates)
    assert combined.document_lo[0, 0] <= combined.document[0, 0] <= combined.document_hi[0, 0]
    assert combined.document_lo[0, 0] == pytest.approx(20 / 21)


def test_a_theme_no_seed_gives_a_topic_has_no_stability_score():
    # Two topics for the two planted themes: no seed's model has a topic for the faint theme.
    config = ModelConfig(num_topics=2, passes=20, seeded=False, seeds=3)
    _, _, _, stability = replicate_run(with_faint_theme(planted_paragraphs()), FAINT_LEXICON, config)
    scores = by_theme(stability)
    assert np.isnan(scores["faint"]) and scores["space"] > 0.95
    assert dict(zip(stability.themes, stability.labeled_share))["faint"] == 0.0
