"""Planted corpora with known answers: two themes run through the real tokenize and vectorize stages, and a
corpus of K planted topics written as files for whole sweeps."""

from __future__ import annotations

import numpy as np

from pipeline.config import TokenizeConfig, VectorizeConfig
from pipeline.stages.tokenize import build_analyzer, seed_terms, tokenize
from pipeline.stages.vectorize import vectorize
from pipeline.types import Lexicon, Paragraph

SPACE = "rocket orbit launch satellite astronaut capsule booster"
FRUIT = "apple banana cherry orchard harvest juice peach"
LEXICON = Lexicon(themes={"space": ["rocket", "satellite"], "fruit": ["apple", "orchard"]})
# A third theme whose seeds only two paragraphs mention: no topic is about it unless a seed happens to carve one.
FAINT_LEXICON = Lexicon(themes={**LEXICON.themes, "faint": ["comet", "nebula"]})
FAINT_ROWS = (3, 8)
# Vocabularies of the topics planted_topic_corpus plants (12 distinct words each).
TOPIC_WORDS = (
    "rocket orbit launch satellite astronaut capsule booster lunar comet galaxy telescope meteor",
    "apple banana cherry orchard harvest juice peach mango plum grape melon lemon",
    "whale coral reef tide dolphin kelp lagoon shark oyster seabed plankton harbor",
    "violin piano melody chord rhythm tempo sonata cello drummer choir lyric concerto",
)


def planted_paragraphs(n_per_theme: int = 20) -> list[Paragraph]:
    """Alternating space/fruit paragraphs in one document, each a rotation of its theme's words."""
    paragraphs = []
    for i in range(2 * n_per_theme):
        words = (SPACE if i % 2 == 0 else FRUIT).split()
        text = " ".join(words[i % 7 :] + words[: i % 7]) + "."
        paragraphs.append(Paragraph("doc", i, 0, len(text), text))
    return paragraphs


def with_faint_theme(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """The paragraphs with "comet nebula" added to the FAINT_ROWS ones (the faint theme's only support)."""
    result = list(paragraphs)
    for i in FAINT_ROWS:
        text = result[i].text[:-1] + " comet nebula."
        result[i] = Paragraph(result[i].doc_id, i, 0, len(text), text)
    return result


def planted_topic_corpus(n_topics: int, n_paragraphs: int, words: int = 20, seed: int = 0) -> dict[str, str]:
    """{file name: text}: one document of n_paragraphs sentences, each `words` words drawn from one planted topic."""
    rng = np.random.default_rng(seed)
    paragraphs = [
        " ".join(rng.choice(TOPIC_WORDS[i % n_topics].split(), size=words)) + "." for i in range(n_paragraphs)
    ]
    return {"planted.txt": "\n\n".join(["Planted topics", *paragraphs]) + "\n"}


def planted_vectors(paragraphs: list[Paragraph], lexicon: Lexicon = LEXICON):
    tokenize_config = TokenizeConfig(phrases=False)
    tokenized = tokenize(paragraphs, tokenize_config)
    terms = seed_terms(lexicon, build_analyzer(tokenize_config))
    kept = [p.kept for p in paragraphs]
    vectors = vectorize(tokenized, kept, VectorizeConfig(no_below=1, no_above=1.0))
    return tokenized, terms, kept, vectors
