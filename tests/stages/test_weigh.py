import numpy as np

from pipeline.config import LabelConfig, ModelConfig
from pipeline.stages.evidence import evidence_counts, seed_matrix
from pipeline.stages.label import expand_lexicon, label_topics
from pipeline.stages.model import fit_topics
from pipeline.stages.weigh import weigh
from pipeline.types import Paragraph, WeighInputs

from .planted import planted_paragraphs, planted_vectors


def run_weigh(paragraphs, **label_settings):
    tokenized, terms, kept, vectors = planted_vectors(paragraphs)
    config = LabelConfig(**label_settings)
    model = fit_topics(vectors, kept, terms, ModelConfig(num_topics=2, passes=20, seeded=True), seed=5)
    labels = label_topics(model, vectors, terms, config)
    evidence = evidence_counts(tokenized, vectors, terms)
    expanded = expand_lexicon(evidence.counts, seed_matrix(evidence, terms), config)
    doc_ids = sorted({p.doc_id for p in paragraphs})
    return weigh(WeighInputs(paragraphs, doc_ids, evidence, expanded, model, labels, list(terms)), config)


def test_rows_sum_to_one_and_follow_the_planted_theme():
    weights = run_weigh(planted_paragraphs())
    assert weights.columns == ["space", "fruit", "other"]
    assert np.allclose(weights.paragraph.sum(axis=1), 1.0)
    assert np.allclose(weights.document.sum(axis=1), 1.0)
    dominant = weights.paragraph.argmax(axis=1)
    assert list(dominant) == [i % 2 for i in range(len(dominant))]


def test_dropped_paragraphs_are_all_other():
    paragraphs = planted_paragraphs()
    paragraphs[2] = Paragraph("doc", 2, 0, 1, paragraphs[2].text, drop_reason="byline")
    weights = run_weigh(paragraphs)
    assert weights.paragraph[2].tolist() == [0.0, 0.0, 1.0]
    assert weights.paragraph_evidence[2] == ""


def test_a_higher_other_threshold_makes_paragraphs_less_thematic():
    eager = run_weigh(planted_paragraphs(), other_threshold=0.1, method="lexicon")
    reluctant = run_weigh(planted_paragraphs(), other_threshold=50.0, method="lexicon")
    assert (reluctant.paragraph[:, -1] > eager.paragraph[:, -1]).all()
    assert (reluctant.paragraph.argmax(axis=1) == 2).all()


def test_a_heading_lends_its_theme_to_the_paragraph_below():
    heading = Paragraph("doc", 0, 0, 1, "Rocket satellite", drop_reason="heading")
    neutral = Paragraph("doc", 1, 0, 1, "Juice")  # fruit-ish word, but no seed of either theme
    paragraphs = [heading, neutral] + planted_paragraphs()[2:]
    with_context = run_weigh(paragraphs, method="lexicon", section_context=3.0, document_context=0.0)
    without = run_weigh(paragraphs, method="lexicon", section_context=0.0, document_context=0.0)
    assert with_context.paragraph[1, 0] > without.paragraph[1, 0]
    assert with_context.paragraph.argmax(axis=1)[1] == 0


def test_evidence_names_the_driving_seed_terms():
    weights = run_weigh(planted_paragraphs(), method="lexicon")
    assert "rocket*" in weights.paragraph_evidence[0] and "satellite*" in weights.paragraph_evidence[0]
    assert "apple*" in weights.paragraph_evidence[1]


def test_a_title_lends_its_theme_to_its_whole_document():
    # A headline says what the whole article is about: with only document context on, the seedless paragraph
    # leans to the title's theme, and a byline with the same words lends nothing.
    def news(title_reason):
        title = Paragraph("news", 0, 0, 1, "Rocket satellite", drop_reason=title_reason)
        return [title, Paragraph("news", 1, 0, 1, "Juice"), *planted_paragraphs()[2:]]

    settings = dict(method="lexicon", section_context=0.0, document_context=1.0, learn_iterations=0)
    titled, bylined = run_weigh(news("title"), **settings), run_weigh(news("byline"), **settings)
    assert titled.paragraph[1, 0] > bylined.paragraph[1, 0] + 0.2
    assert titled.paragraph.argmax(axis=1)[1] == 0
    assert titled.paragraph[0].tolist() == [0.0, 0.0, 1.0]  # the title itself stays a dropped line
