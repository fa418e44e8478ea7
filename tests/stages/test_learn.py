"""pipeline/stages/learn.py: seeded EM reaches paragraphs without seeds; generic text stays near "other"."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from pipeline.config import LabelConfig
from pipeline.stages.learn import apply_theme_model, learn_themes, presence

SPACE = ["rocket", "orbit", "launch", "satellite", "capsule"]
FRUIT = ["apple", "orchard", "harvest", "juice", "peach"]
GENERIC = ["people", "work", "year", "new", "good"]
TERMS = SPACE + FRUIT + GENERIC
SEEDS = {"rocket": 0, "apple": 1}
# The toy corpus holds about 100 word occurrences; the default prior (2000) would rightly keep its word models
# at the background, so the tests give it a prior its size.
TOY = {"learn_smoothing": 10.0}


def corpus():
    """Seeded paragraphs, unseeded on-theme paragraphs (words after the seed), and generic paragraphs."""
    rows, truth = [], []
    for i in range(12):
        for theme, words in enumerate((SPACE, FRUIT)):
            seeded = i % 2 == 0
            chosen = words[:3] if seeded else words[2:]
            rows.append(chosen + GENERIC[i % 5 : i % 5 + 1])
            truth.append(theme)
    for i in range(6):
        rows.append(GENERIC[i % 5 :] + GENERIC[: i % 5])
        truth.append(-1)
    counts = sp.csr_matrix(
        [[row.count(t) for t in TERMS] for row in rows], dtype=float
    )
    seed_evidence = np.zeros((len(rows), 2))
    for r, row in enumerate(rows):
        for word, theme in SEEDS.items():
            seed_evidence[r, theme] += row.count(word)
    return counts, seed_evidence, np.array(truth)


def test_unseeded_on_theme_paragraphs_get_their_theme():
    counts, seeds, truth = corpus()
    learned = learn_themes(seeds, presence(counts), np.arange(len(truth)), LabelConfig(document_context=0.0, **TOY))
    unseeded = (seeds.sum(axis=1) == 0) & (truth >= 0)
    assert unseeded.any()
    assert np.array_equal(learned.evidence[unseeded].argmax(axis=1), truth[unseeded])


def test_generic_paragraphs_get_less_learned_evidence_than_on_theme_ones():
    counts, seeds, truth = corpus()
    config = LabelConfig(document_context=0.0, **TOY)
    learned = learn_themes(seeds, presence(counts), np.arange(len(truth)), config)
    total = learned.evidence.sum(axis=1)
    assert total[truth == -1].max() < total[(truth >= 0) & (seeds.sum(axis=1) == 0)].min()
    assert total[truth == -1].max() < config.other_threshold  # generic text stays mostly "other"


def test_learned_term_weights_favour_co_occurring_words():
    counts, seeds, truth = corpus()
    learned = learn_themes(seeds, presence(counts), np.arange(len(truth)), LabelConfig(**TOY))
    assert learned.term_weights.shape == (len(TERMS), 2)
    assert learned.term_weights[TERMS.index("capsule"), 0] > learned.term_weights[TERMS.index("capsule"), 1]
    assert learned.term_weights[TERMS.index("juice"), 1] > learned.term_weights[TERMS.index("juice"), 0]
    assert learned.term_weights[TERMS.index("people")].max() < learned.term_weights[TERMS.index("orbit"), 0]


def test_no_iterations_learns_nothing():
    counts, seeds, truth = corpus()
    learned = learn_themes(seeds, presence(counts), np.arange(len(truth)), LabelConfig(learn_iterations=0, **TOY))
    assert not learned.evidence.any()


def test_a_learned_model_gives_the_same_evidence_when_applied_again():
    counts, seeds, truth = corpus()
    doc_rows = np.arange(len(truth)) // 2  # pairs of paragraphs share a document
    learned = learn_themes(seeds, presence(counts), doc_rows, LabelConfig(**TOY))
    again = apply_theme_model(learned.model, presence(counts), doc_rows, LabelConfig(**TOY))
    assert np.array_equal(again.evidence, learned.evidence)
    assert np.array_equal(again.term_weights, learned.term_weights)
    # One unseeded paragraph alone, without its corpus: the model still knows its theme.
    alone = apply_theme_model(learned.model, presence(counts[[2]]), np.zeros(1, dtype=int), LabelConfig(**TOY))
    assert alone.evidence[0].argmax() == truth[2]


def test_nothing_to_learn_gives_no_model():
    counts, seeds, truth = corpus()
    assert learn_themes(np.zeros_like(seeds), presence(counts), np.arange(len(truth)), LabelConfig(**TOY)).model is None
    assert learn_themes(seeds, presence(counts), np.arange(len(truth)), LabelConfig(learn_iterations=0, **TOY)).model is None


def test_words_the_corpus_barely_has_get_no_theme_weight():
    # Smoothing toward the background: a word absent from the paragraphs (a seed found only in dropped text)
    # or seen once says nothing about any theme. Additive smoothing gave both a positive weight for every theme.
    counts, seeds, truth = corpus()
    absent = sp.csr_matrix((counts.shape[0], 1))
    once = sp.csr_matrix(([1.0], ([0], [0])), shape=(counts.shape[0], 1))
    wider = sp.hstack([counts, absent, once]).tocsr()
    learned = learn_themes(seeds, presence(wider), np.arange(len(truth)), LabelConfig(document_context=0.0, **TOY))
    assert not learned.term_weights[-2].any()
    assert learned.term_weights[-1].max() < learned.term_weights[TERMS.index("orbit"), 0]


def test_rows_that_do_not_train_shape_their_document_but_no_word_model():
    # Two documents of one generic paragraph each, each with a title row; only the titles name a theme's words.
    counts, seeds, truth = corpus()
    generic = counts[np.flatnonzero(truth == -1)[:2]]
    titles = sp.csr_matrix([[float(t in ("orbit", "capsule")) for t in TERMS], [float(t == "orchard") for t in TERMS]])
    all_counts = sp.vstack([counts, generic, titles]).tocsr()
    n = counts.shape[0]
    doc_rows = np.concatenate([np.arange(n), [n, n + 1, n, n + 1]])
    all_seeds = np.vstack([seeds, np.zeros((4, 2))])
    trains = np.arange(n + 4) < n + 2
    config = LabelConfig(document_context=1.0, **TOY)
    learned = learn_themes(all_seeds, presence(all_counts), doc_rows, config, trains=trains)
    # The titles pull their documents' generic paragraphs toward their themes...
    assert learned.evidence[n].argmax() == 0 and learned.evidence[n + 1].argmax() == 1
    # ...but their words do not train the theme models: had they trained, "orchard" would weigh more for fruit.
    trained = learn_themes(all_seeds, presence(all_counts), doc_rows, config)
    orchard = TERMS.index("orchard")
    assert trained.term_weights[orchard, 1] > learned.term_weights[orchard, 1]


def test_the_complement_split_gives_on_theme_paragraphs_their_theme():
    counts, seeds, truth = corpus()
    learned = learn_themes(seeds, presence(counts), np.arange(len(truth)), LabelConfig(document_rows=0.0, **TOY))
    on_theme = truth >= 0
    assert learned.split.shape == seeds.shape
    assert np.allclose(learned.split.sum(axis=1), 1.0)
    assert np.array_equal(learned.split[on_theme].argmax(axis=1), truth[on_theme])
    assert learned.model.log_complement.shape == (2, len(TERMS))


def test_a_seed_in_the_wrong_theme_is_outvoted_by_the_rest_of_the_paragraph():
    # A space paragraph that happens to say "apple" (a seed of the other theme): its other words decide.
    counts, seeds, truth = corpus()
    odd = ["orbit", "satellite", "capsule", "launch", "apple"]
    counts = sp.vstack([counts, sp.csr_matrix([[odd.count(t) for t in TERMS]], dtype=float)]).tocsr()
    seeds = np.vstack([seeds, [[0.0, 1.0]]])
    learned = learn_themes(seeds, presence(counts), np.arange(len(truth) + 1), LabelConfig(document_rows=0.0, **TOY))
    assert learned.split[-1].argmax() == 0


def test_no_complement_rounds_keeps_the_seeded_split():
    counts, seeds, truth = corpus()
    learned = learn_themes(seeds, presence(counts), np.arange(len(truth)), LabelConfig(complement_rounds=0, **TOY))
    assert learned.split is None and learned.model.log_complement is None


def test_a_short_document_shares_its_theme_and_a_long_one_does_not():
    # A row with no modeled words (say, a headline of names) next to a space paragraph takes space from its
    # document when the document is short (two rows); inside one long document of both themes it stays even.
    counts, seeds, truth = corpus()
    counts = sp.vstack([counts, sp.csr_matrix((1, counts.shape[1]))]).tocsr()
    seeds = np.vstack([seeds, [[0.0, 0.0]]])
    empty = counts.shape[0] - 1
    space = int(np.flatnonzero((truth == 0) & (seeds[:-1].sum(axis=1) == 0))[0])
    rows = np.arange(counts.shape[0])
    config = LabelConfig(document_rows=4.0, **TOY)
    alone = learn_themes(seeds, presence(counts), rows, config)
    assert np.allclose(alone.split[empty], 0.5)
    short = rows.copy()
    short[empty] = short[space]
    assert learn_themes(seeds, presence(counts), short, config).split[empty, 0] > 0.7
    one_document = np.zeros(len(rows), dtype=int)
    assert abs(learn_themes(seeds, presence(counts), one_document, config).split[empty, 0] - 0.5) < 0.1


def test_a_saved_complement_model_gives_the_same_split_when_applied_again():
    counts, seeds, truth = corpus()
    doc_rows = np.arange(len(truth)) // 2
    learned = learn_themes(seeds, presence(counts), doc_rows, LabelConfig(**TOY))
    again = apply_theme_model(learned.model, presence(counts), doc_rows, LabelConfig(**TOY))
    assert np.array_equal(again.split, learned.split)
