"""Evidence: how often each lexicon seed occurs in each paragraph, beside the vocabulary's own counts.

The lexicon enters the pipeline here and not earlier, so tokens, vocabulary and topics do not change when
only the lexicon does. Seeds are counted on the word sequence, so a seed phrase matches even though the
tokenizer never joined it, and a seed the vocabulary filters dropped (too rare, or in most paragraphs)
still counts as evidence.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from pipeline.stages.tokenize import PHRASE_JOIN, join_phrases, phrase_surface
from pipeline.types import EvidenceCounts, Tokenized, Vectors


def evidence_counts(tokenized: Tokenized, vectors: Vectors, theme_terms: dict[str, list[str]]) -> EvidenceCounts:
    """Paragraphs x (vocabulary terms, then seed terms outside the vocabulary) counts."""
    vocab = vectors.dictionary.token2id
    seeds = list(dict.fromkeys(t for terms in theme_terms.values() for t in terms))
    extra = [t for t in seeds if t not in vocab]
    terms = [*vectors.terms, *extra]
    column = {t: j for j, t in enumerate(terms)}
    # Corpus phrases are re-joined along with seed phrases, so vocabulary counts match the bag-of-words.
    phrases = {tuple(t.split(PHRASE_JOIN)) for t in terms if PHRASE_JOIN in t}
    longest = max(map(len, phrases), default=0)
    indptr, indices = [0], []
    for tokens in tokenized.tokens:
        words = [w for token in tokens for w in token.split(PHRASE_JOIN)]
        matched = [column[t] for t in join_phrases(words, phrases, longest) if t in column]
        indices.extend(matched)
        indptr.append(len(indices))
    data = np.ones(len(indices))
    counts = sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr)), shape=(len(indptr) - 1, len(terms)))
    counts.sum_duplicates()
    surface = {t: phrase_surface(t, tokenized.surface) for t in terms}
    return EvidenceCounts(counts=counts, terms=terms, surface=surface)


def seed_matrix(evidence: EvidenceCounts, theme_terms: dict[str, list[str]]) -> np.ndarray:
    """terms x themes: 1 where the term is one of the theme's seeds."""
    column = {t: j for j, t in enumerate(evidence.terms)}
    seeds = np.zeros((len(evidence.terms), len(theme_terms)))
    for j, terms in enumerate(theme_terms.values()):
        seeds[[column[t] for t in terms], j] = 1.0
    return seeds
