"""Frozen values that flow between stages. Stages take and return these, never files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

# How a long stage says how far it is: progress(done, total), `done` never going down. Stages take one instead
# of a reporter, so they stay free of I/O; the runner makes it from its reporter and the stage's name.
ProgressHook = Callable[[int, int], None]


@dataclass(frozen=True)
class DocumentCopy:
    """A later input with the same bytes as a document: analysed once, reported under its own id and source."""

    doc_id: str
    title: str
    source: str
    date: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


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
    encoding: str = "utf-8"  # how the file's bytes were decoded into `text` (utf-8-sig, utf-16, cp1252, ...)
    # False when `title` is only a table row's first line, shown for want of a title column: such a line is
    # text (a post's opening sentence, a short item's only line), not a heading for the cleaner to drop.
    title_is_heading: bool = True
    language: str = "en"  # "en" or "zh" (ingest.language, or detected): which cleaning rules and word counts apply
    # Later inputs with the same sha256. Every input is a row a user will look up (a labeled data set's
    # duplicates included), but fitting the models on a text twice would count it twice.
    copies: tuple[DocumentCopy, ...] = ()


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

    `token_ids` is the sequence after corpus phrases were joined, `words` the one before (what lexicon
    phrases are matched on); both index `vocabulary`, which is sorted, so ids do not depend on how the work
    was split between processes. `tokens` gives the same as lists of strings, built on first use.
    `starts` holds, for each position of `words`, where that word begins in its paragraph's text: readable terms
    are then told without reading each paragraph's words again. A position whose start is not known (Chinese
    text, or text whose lowercasing changes its length) holds the dtype's largest value; `starts` is None when
    the tokens were not read from the paragraphs' texts.
    """

    token_ids: TokenSequence
    words: TokenSequence
    vocabulary: list[str]
    surface: dict[str, str]
    phraser: Any = None  # gensim FrozenPhrases, or None when phrases are off
    starts: np.ndarray | None = None  # uint16, or int32 when some paragraph is longer than 65,534 characters

    @staticmethod
    def from_lists(token_lists: list[list[str]], surface: dict[str, str] | None = None) -> Tokenized:
        """Tokens given as lists of strings (no phrases joined), e.g. for tests or a small external corpus."""
        vocabulary = sorted({t for tokens in token_lists for t in tokens})
        index = {t: i for i, t in enumerate(vocabulary)}
        ids = np.array([index[t] for tokens in token_lists for t in tokens], dtype=np.int32)
        offsets = np.concatenate(([0], np.cumsum([len(tokens) for tokens in token_lists]))).astype(np.int64)
        sequence = TokenSequence(ids=ids, offsets=offsets)
        return Tokenized(token_ids=sequence, words=sequence, vocabulary=vocabulary, surface=surface or {})

    @cached_property
    def tokens(self) -> list[list[str]]:
        """Tokens as lists of strings: for small inputs and checks; a large corpus is better read from `token_ids`."""
        ids = self.token_ids
        return [[self.vocabulary[i] for i in ids.row(r).tolist()] for r in range(len(ids))]


@dataclass(frozen=True)
class Vectors:
    """Bag-of-words counts and TF-IDF over paragraphs as sparse matrices; row i of both is paragraph i."""

    dictionary: Any  # gensim.corpora.Dictionary
    counts: sp.csr_matrix  # paragraphs x terms: the bag-of-words
    terms: list[str]  # column j of counts and tfidf is terms[j] == dictionary[j]

    @cached_property
    def tfidf(self) -> sp.csr_matrix:
        """paragraphs x terms, L2-normalized rows; built on first use. Only the topics' labels read it, once the
        weights are done: a corpus-sized matrix (120 MB at 300k paragraphs) not held through the stages before."""
        from pipeline.stages.vectorize import tfidf_matrix  # the stage that defines it; types load no stage

        return tfidf_matrix(self.counts, self.dictionary)

    @cached_property
    def bow(self) -> list[list[tuple[int, int]]]:
        """gensim bag-of-words rows of `counts`, built on first use (a large corpus should stream `counts`)."""
        rows = []
        for r in range(self.counts.shape[0]):
            start, end = self.counts.indptr[r], self.counts.indptr[r + 1]
            rows.append(list(zip(self.counts.indices[start:end].tolist(), self.counts.data[start:end].astype(int).tolist())))
        return rows


@dataclass(frozen=True)
class EvidenceCounts:
    """Paragraphs x terms counts for lexicon evidence: the vocabulary, then seed terms it lacks (phrases too)."""

    counts: sp.csr_matrix
    terms: list[str]
    surface: dict[str, str]  # display form of every term

    def present_terms(self, kept: list[bool]) -> set[str]:
        """The terms (seeds among them) that occur at least once in a kept paragraph."""
        occurs = np.asarray(self.counts[np.flatnonzero(kept)].sum(axis=0)).ravel() > 0
        return {t for t, seen in zip(self.terms, occurs) if seen}


@dataclass(frozen=True)
class WeighInputs:
    """What the weigh stage reads: the paragraphs and their documents, the lexicon evidence counted in them, each
    theme's weighted terms, and the topic model with its labels (used, and needed, only under label.method
    "hybrid"/"topics")."""

    paragraphs: list[Paragraph]
    doc_ids: list[str]
    evidence: EvidenceCounts
    theme_terms: ThemeTerms
    topic_model: TopicModel | None
    labels: TopicLabels | None
    themes: list[str]


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
    sweeps: int = 0  # tomotopy: Gibbs sweeps run (fewer than model.iterations when it converged); gensim: 0
    converged: bool = False  # tomotopy: stopped because the log-likelihood per word had levelled off
    sampled: int = 0  # tomotopy: paragraphs the topics were fitted on (the others' proportions folded in)


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
class ThemeModel:
    """Each theme's word model learned from the paragraphs its seeds label (log probabilities over terms)."""

    log_phi: np.ndarray  # themes x terms
    log_prior: np.ndarray  # themes
    log_background: np.ndarray  # terms: the corpus's own word distribution
    # themes x terms: log share of each term in the text of every OTHER theme (complement naive Bayes), which
    # decides the theme a paragraph's evidence goes to; None when label.complement_rounds is 0
    log_complement: np.ndarray | None = None


@dataclass(frozen=True)
class ThemeWeights:
    """Paragraph x theme and document x theme weights; columns are `themes` then "other"."""

    columns: list[str]
    paragraph: np.ndarray
    document: np.ndarray
    paragraph_evidence: list[str] = field(default_factory=list)
    theme_terms: ThemeTerms | None = None  # the term weights behind the evidence, learned terms included
    theme_model: ThemeModel | None = None  # the learned word models, when the run learned any
    # Multi-seed runs: the document weights' interval across seed replicates (`document` is then their mean).
    document_lo: np.ndarray | None = None
    document_hi: np.ndarray | None = None
    document_replicates: np.ndarray | None = None  # replicates x documents x columns, kept for `themes effects`


@dataclass(frozen=True)
class TopicAlignment:
    """Each seed replicate's topics matched to the first replicate's (Hungarian on topic-term cosine)."""

    seeds: list[int]
    matched: np.ndarray  # replicates x topics: replicate r's topic paired with the first replicate's topic k
    stability: np.ndarray  # per first-replicate topic: mean cosine of its matched topics over replicate pairs
    label_agreement: np.ndarray  # per first-replicate topic: share of other replicates giving its match the same theme


@dataclass(frozen=True)
class ThemeStability:
    """Per theme, how far its topics and weights move when only the seed changes (multi-seed runs)."""

    themes: list[str]
    stability: np.ndarray  # mean cosine over replicate pairs of the theme's topic profile: 0 where one has none,
    # pairs where neither has one left out, NaN when no replicate has one
    labeled_share: np.ndarray  # share of replicates with at least one topic labeled with the theme
    top_terms_agreement: np.ndarray  # mean Jaccard overlap of the profiles' top terms over replicate pairs
    topic_stability: np.ndarray  # mean aligned stability of the first replicate's topics with this theme (NaN: none)
    mean_interval: np.ndarray  # mean width of the theme's document-weight interval


@dataclass(frozen=True)
class TopicAudit:
    """One topic as the lexicon audit sees it: its share of the kept tokens, whether the seeds reach it, and the
    theme whose terms are nearest to it."""

    topic: int
    share: float  # of the kept tokens' topic mass
    seed_mass: float  # topic probability mass on all themes' seeds together
    covered: bool
    theme: str  # the label the run gave it ("unlabeled" when none)
    top_terms: list[tuple[str, float]]
    nearest_theme: str
    similarity: float  # cosine of the topic's term distribution and the nearest theme's term weights


@dataclass(frozen=True)
class LexiconAudit:
    """How much of the corpus the lexicon covers, by tokens and by topics, and what each theme's evidence is."""

    kept_paragraphs: int
    seed_token_share: float  # kept tokens that are seed occurrences
    evidence_token_share: float  # kept tokens of any term with theme weight (seeds and learned words)
    seeded_paragraph_share: float  # kept paragraphs with at least one seed
    uncovered_topic_share: float  # topic mass in topics the seeds do not reach
    topics: list[TopicAudit]
    evidence_shapes: dict[str, dict[str, float]]  # theme -> shape ("name", "email", "host", "number") -> share
