"""A planted two-theme corpus with known answers, run through the real tokenize and vectorize stages."""

from __future__ import annotations

from pipeline.config import TokenizeConfig, VectorizeConfig
from pipeline.stages.tokenize import build_analyzer, seed_terms, tokenize
from pipeline.stages.vectorize import vectorize
from pipeline.types import Lexicon, Paragraph

SPACE = "rocket orbit launch satellite astronaut capsule booster"
FRUIT = "apple banana cherry orchard harvest juice peach"
LEXICON = Lexicon(themes={"space": ["rocket", "satellite"], "fruit": ["apple", "orchard"]})


def planted_paragraphs(n_per_theme: int = 20) -> list[Paragraph]:
    """Alternating space/fruit paragraphs in one document, each a rotation of its theme's words."""
    paragraphs = []
    for i in range(2 * n_per_theme):
        words = (SPACE if i % 2 == 0 else FRUIT).split()
        text = " ".join(words[i % 7 :] + words[: i % 7]) + "."
        paragraphs.append(Paragraph("doc", i, 0, len(text), text))
    return paragraphs


def planted_vectors(paragraphs: list[Paragraph]):
    tokenize_config = TokenizeConfig(phrases=False)
    tokenized = tokenize(paragraphs, tokenize_config)
    terms = seed_terms(LEXICON, build_analyzer(tokenize_config))
    kept = [p.kept for p in paragraphs]
    vectors = vectorize(tokenized, kept, VectorizeConfig(no_below=1, no_above=1.0))
    return tokenized, terms, kept, vectors
