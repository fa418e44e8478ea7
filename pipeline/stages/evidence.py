"""Evidence: how often each lexicon seed occurs in each paragraph, beside the vocabulary's own counts.

The lexicon enters the pipeline here and not earlier, so tokens, vocabulary and topics do not change when
only the lexicon does. Seeds are counted on the word sequence, so a seed phrase matches even though the
tokenizer never joined it, and a seed the vocabulary filters dropped (too rare, or in most paragraphs)
still counts as evidence.
"""

from __future__ import annotations

import numpy as np

from pipeline.stages.sequences import match_terms
from pipeline.stages.tokenize import PHRASE_JOIN, phrase_surface
from pipeline.types import EvidenceCounts, Tokenized, Vectors


def evidence_counts(tokenized: Tokenized, vectors: Vectors, theme_terms: dict[str, list[str]]) -> EvidenceCounts:
    """Paragraphs x (vocabulary terms, then seed terms outside the vocabulary) counts."""
    vocab = vectors.dictionary.token2id
    seeds = list(dict.fromkeys(t for terms in theme_terms.values() for t in terms))
    extra = [t for t in seeds if t not in vocab]
    terms = [*vectors.terms, *extra]
    word_id = {w: i for i, w in enumerate(tokenized.vocabulary)}
    column_of_word = np.full(len(tokenized.vocabulary), -1, dtype=np.int64)
    # Corpus phrases are re-joined along with seed phrases, so vocabulary counts match the bag-of-words.
    phrases: dict[tuple[int, ...], int] = {}
    for j, term in enumerate(terms):
        parts = term.split(PHRASE_JOIN)
        if len(parts) == 1 and term in word_id:
            column_of_word[word_id[term]] = j
        elif len(parts) > 1 and all(p in word_id for p in parts):
            phrases[tuple(word_id[p] for p in parts)] = j
    counts = match_terms(tokenized.words, column_of_word, phrases, len(terms))
    surface = {t: phrase_surface(t, tokenized.surface) for t in terms}
    return EvidenceCounts(counts=counts, terms=terms, surface=surface)


def seed_matrix(evidence: EvidenceCounts, theme_terms: dict[str, list[str]]) -> np.ndarray:
    """terms x themes: 1 where the term is one of the theme's seeds. A corpus phrase that is no seed but joins
    seeds ("ideological work", "law and regulation") counts each seed inside it, as the words would have
    counted had the tokenizer not joined them."""
    column = {t: j for j, t in enumerate(evidence.terms)}
    seeds = np.zeros((len(evidence.terms), len(theme_terms)))
    themes_of: dict[tuple[str, ...], list[int]] = {}
    for j, terms in enumerate(theme_terms.values()):
        seeds[[column[t] for t in terms], j] = 1.0
        for t in terms:
            themes_of.setdefault(tuple(t.split(PHRASE_JOIN)), []).append(j)
    longest = max(map(len, themes_of), default=0)
    for i, term in enumerate(evidence.terms):
        parts = tuple(term.split(PHRASE_JOIN))
        if len(parts) > 1 and parts not in themes_of:
            for found in _seeds_within(parts, themes_of, longest):
                seeds[i, themes_of[found]] += 1.0
    return seeds


def _seeds_within(parts: tuple[str, ...], seeds: dict[tuple[str, ...], list[int]], longest: int) -> list[tuple[str, ...]]:
    """The seeds found in a phrase's words, left to right, the longest first at each position."""
    found, i = [], 0
    while i < len(parts):
        for n in range(min(longest, len(parts) - i), 0, -1):
            if parts[i : i + n] in seeds:
                found.append(parts[i : i + n])
                i += n
                break
        else:
            i += 1
    return found
