"""Frozen values that flow between stages. Stages take and return these, never files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Document:
    """One input document: `text` is the decoded original, the frame every offset refers to."""

    doc_id: str
    title: str
    source: str
    sha256: str
    text: str
    date: str = ""  # ISO YYYY-MM-DD or ""
    metadata: dict[str, str] = field(default_factory=dict)


class Line(NamedTuple):
    """A non-blank line of a document; `drop_reason` is "" when the cleaner kept it.

    Lines and paragraphs are named tuples: a large corpus has millions, built in worker processes and sent
    back, and tuples are several times cheaper to create and pickle than dataclass instances.
    """

    doc_id: str
    start: int
    end: int
    drop_reason: str = ""


class Paragraph(NamedTuple):
    """A span `[start, end)` of its document's original text; dropped spans keep their reason."""

    doc_id: str
    index: int
    start: int
    end: int
    text: str
    drop_reason: str = ""

    @property
    def kept(self) -> bool:
        return not self.drop_reason


@dataclass(frozen=True)
class TokenSequence:
    """Token ids of many paragraphs in one flat array: paragraph i is `ids[offsets[i]:offsets[i + 1]]`.

    Integer ids instead of lists of strings keep a corpus of millions of tokens in tens of megabytes.
    """

    ids: np.ndarray  # int32
    offsets: np.ndarray  # int64, one more than there are paragraphs

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def row(self, i: int) -> np.ndarray:
        return self.ids[self.offsets[i] : self.offsets[i + 1]]

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def row_of_position(self) -> np.ndarray:
        """The paragraph each position of `ids` belongs to."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.lengths())


@dataclass(frozen=True)
class Tokenized:
    """Normalized tokens per paragraph (aligned with the paragraph list) and a display form per token.

    `words` is the sequence before corpus phrases were joined (what lexicon phrases are matched on),
    `tokens` the sequence after; both index `vocabulary`, which is sorted, so ids do not depend on how the
    work was split between processes.
    """

    tokens: TokenSequence
    words: TokenSequence
    vocabulary: list[str]
    surface: dict[str, str]
    phraser: Any = None  # gensim FrozenPhrases, or None when phrases are off

    @staticmethod
    def from_lists(token_lists: list[list[str]], surface: dict[str, str] | None = None) -> Tokenized:
        """Tokens given as lists of strings (no phrases joined), e.g. for tests or a small external corpus."""
        vocabulary = sorted({t for tokens in token_lists for t in tokens})
        index = {t: i for i, t in enumerate(vocabulary)}
        ids = np.array([index[t] for tokens in token_lists for t in tokens], dtype=np.int32)
        offsets = np.concatenate(([0], np.cumsum([len(tokens) for tokens in token_lists]))).astype(np.int64)
        sequence = TokenSequence(ids=ids, offsets=offsets)
        return Tokenized(tokens=sequence, words=sequence, vocabulary=vocabulary, surface=surface or {})

    def token_lists(self) -> list[list[str]]:
        """Tokens as lists of strings (small inputs and tests; a large corpus should stay in `tokens`)."""
        return [[self.vocabulary[i] for i in self.tokens.row(r)] for r in range(len(self.tokens))]


@dataclass(frozen=True)
class Vectors:
    """Bag-of-words counts and TF-IDF over paragraphs as sparse matrices; row i of both is paragraph i."""

    dictionary: Any  # gensim.corpora.Dictionary
    counts: sp.csr_matrix  # paragraphs x terms: the bag-of-words
    tfidf: sp.csr_matrix  # paragraphs x terms, L2-normalized rows
    terms: list[str]  # column j of tfidf is terms[j] == dictionary[j]


@dataclass(frozen=True)
class EvidenceCounts:
    """Paragraphs x terms counts for lexicon evidence: the vocabulary, then seed terms it lacks (phrases too)."""

    counts: sp.csr_matrix
    terms: list[str]
    surface: dict[str, str]  # display form of every term


@dataclass(frozen=True)
class Lexicon:
    """Themes and their seed terms as the user wrote them (phrases allowed)."""

    themes: dict[str, list[str]]
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.themes)


@dataclass(frozen=True)
class TopicModel:
    """A fitted topic model: topic-term and paragraph-topic matrices plus which theme seeded each topic."""

    model: Any  # gensim LdaModel or tomotopy LDAModel (saved to the run folder for reuse)
    topic_term: np.ndarray  # topics x terms, rows sum to 1
    doc_topic: np.ndarray  # paragraphs x topics, rows sum to 1 (zero rows for empty paragraphs)
    seed_theme: list[str]  # per topic: the theme whose seeds anchored it, or "" for a free topic


@dataclass(frozen=True)
class TopicLabels:
    """Per topic: the theme it was given ("unlabeled" when none fits) and the evidence."""

    theme: list[str]
    score: list[float]
    top_terms: list[list[tuple[str, float]]]
    tfidf_terms: list[list[tuple[str, float]]]


@dataclass(frozen=True)
class ThemeTerms:
    """terms x themes weights used as evidence: seed terms (idf-scaled) plus expansion terms learned from the corpus."""

    weights: np.ndarray
    is_seed: np.ndarray  # bool, same shape


@dataclass(frozen=True)
class ThemeWeights:
    """Paragraph x theme and document x theme weights; columns are `themes` then "other"."""

    columns: list[str]
    paragraph: np.ndarray
    document: np.ndarray
    paragraph_evidence: list[str] = field(default_factory=list)
    theme_terms: ThemeTerms | None = None  # the term weights behind the evidence, learned terms included
