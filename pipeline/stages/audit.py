"""Audit: how much of the corpus the lexicon covers, read off the topic model, and what its evidence is made of.

The topic model sees the whole corpus while the lexicon sees only its seeds, so the topics the seeds do not
reach are the parts of the corpus the lexicon has no word for. A topic counts as covered when the seeds of all
themes together hold at least `COVERED_SEED_MASS` of its probability mass; its nearest theme is the one whose
term weights (seeds and learned words) are most similar (cosine) to the topic's term distribution.

Evidence shapes: a theme whose evidence comes mostly from personal names, e-mail addresses, host names or
numbers has learned who posted, not what was said (mail headers and signatures of a corpus the lexicon does not
fit). Each evidence term is classed by how it is written in the kept text: inside a word holding "@" (e-mail),
inside a dotted name or URL (host), with a digit (number), capitalized mid-sentence nearly always (name).
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from pipeline.config import TokenizeConfig
from pipeline.errors import PipelineWarning
from pipeline.stages.token_rows import texts_holding
from pipeline.stages.tokenize import PHRASE_JOIN
from pipeline.types import (
    EvidenceCounts, LexiconAudit, Paragraph, ThemeTerms, Tokenized, TopicAudit, TopicLabels, TopicModel, Vectors,
)

# Texts to read in order, or a reader that is given the words still looked for and may skip texts without them.
Texts = Iterable[str] | Callable[[set[str]], Iterable[str]]

# A topic of a fitting lexicon puts several percent of its mass on seeds (a theme's ~50 seeds among thousands of
# terms); below 2 % the seeds are chance occurrences of general words ("law", "use") in an unrelated topic.
COVERED_SEED_MASS = 0.03
# Most of the corpus in topics no seed reaches: the lexicon describes another corpus.
LOW_COVERAGE_TOPIC_MASS = 0.5
# Topics of fewer paragraphs are too noisy to say what the corpus is about (a test corpus, a short report).
MIN_AUDITED_PARAGRAPHS = 50
# A theme's evidence "mostly" from names, addresses, hosts or numbers.
SUSPECT_EVIDENCE_SHARE = 0.5
# Evidence terms classed per theme (the heaviest; the long tail weighs little) and occurrences read per term.
SHAPE_TERMS = 20
SHAPE_OCCURRENCES = 200
# Capitalized in at least this share of its occurrences not starting a sentence (two at least): a proper name.
NAME_CAPITALIZED = 0.9
SHAPES = ("name", "email", "host", "number")

_WORD_PIECES = re.compile(r"(\w(?:[\w'’-]*\w)?)")
_CHUNK_TAIL = re.compile(r"\S*\Z")
_CHUNK_HEAD = re.compile(r"\S*")
_HOST = re.compile(r"(?:://|www\.|[a-z0-9-]+\.[a-z0-9-]+\.[a-z]{2,}|[a-z0-9-]+\.(?:com|edu|org|net|gov|mil)\b)", re.I)


@dataclass(frozen=True)
class AuditCounts:
    """What the audit reads off the corpus's kept paragraphs: sums any engine can add up over parts of it."""

    kept_paragraphs: int
    term_totals: np.ndarray  # occurrences of each evidence term
    seeded_paragraphs: int  # paragraphs holding a seed of any theme
    topic_mass: np.ndarray  # tokens per topic: each paragraph's tokens times its topic proportions


@dataclass(frozen=True)
class CorpusAudit:
    """What the audit reads off the corpus alone, with no topic model: read while the model is still fitted."""

    rows: np.ndarray  # the kept paragraphs
    tokens: np.ndarray  # tokens in each kept paragraph
    term_totals: np.ndarray  # occurrences of each evidence term in kept text
    seeded_paragraphs: int
    shapes: dict[str, dict[str, float]]  # `evidence_shapes`


def audit_corpus(
    vectors: Vectors,
    evidence: EvidenceCounts,
    theme_terms: ThemeTerms,
    seeds: dict[str, list[str]],
    paragraphs: list[Paragraph],
    kept: list[bool],
    tokenized: Tokenized,
    config: TokenizeConfig,
) -> CorpusAudit:
    """The kept text's token and seed counts, and each theme's evidence shapes."""
    rows = np.flatnonzero(kept)
    # Sums over the kept rows without copying them out of the matrices (hundreds of MB at 300k paragraphs): the
    # counts are whole numbers, so the floats are the same in any order of adding.
    in_kept = np.zeros(evidence.counts.shape[0])
    in_kept[rows] = 1.0
    columns = seed_columns(evidence.terms, seeds)
    paragraph_seeds = np.asarray(evidence.counts[:, columns].sum(axis=1)).ravel()[rows] if columns else np.zeros(len(rows))
    term_totals = evidence.counts.T @ in_kept
    return CorpusAudit(
        rows=rows,
        tokens=np.asarray(vectors.counts.sum(axis=1)).ravel()[rows],
        term_totals=term_totals,
        seeded_paragraphs=int((paragraph_seeds > 0).sum()),
        shapes=evidence_shapes(
            theme_terms, term_totals, evidence, list(seeds), texts_holding(paragraphs, rows, tokenized, config)
        ),
    )


def audit_lexicon(
    topic_model: TopicModel,
    labels: TopicLabels,
    vectors: Vectors,
    evidence: EvidenceCounts,
    theme_terms: ThemeTerms,
    seeds: dict[str, list[str]],
    corpus: CorpusAudit,
) -> LexiconAudit:
    """Coverage of the kept tokens and of the topics by the lexicon, and each theme's evidence shapes."""
    audit_counts = AuditCounts(
        kept_paragraphs=len(corpus.rows),
        term_totals=corpus.term_totals,
        seeded_paragraphs=corpus.seeded_paragraphs,
        topic_mass=corpus.tokens @ topic_model.doc_topic[corpus.rows],
    )
    return audit_from_counts(audit_counts, topic_model.topic_term, labels, len(vectors.terms), evidence.terms,
                             theme_terms, seeds, corpus.shapes)


def seed_columns(terms: list[str], seeds: dict[str, list[str]]) -> list[int]:
    """The evidence columns of every theme's seeds."""
    column = {t: j for j, t in enumerate(terms)}
    return sorted({column[t] for theme_seeds in seeds.values() for t in theme_seeds if t in column})


def audit_from_counts(
    counts: AuditCounts,
    topic_term: np.ndarray,
    labels: TopicLabels,
    n_vocabulary: int,
    terms: list[str],
    theme_terms: ThemeTerms,
    seeds: dict[str, list[str]],
    shapes: dict[str, dict[str, float]],
) -> LexiconAudit:
    """The audit from the corpus's counts, the topics (topics x vocabulary) and each theme's evidence shapes
    (`evidence_shapes`)."""
    term_totals = counts.term_totals
    kept_tokens = float(term_totals[:n_vocabulary].sum()) or 1.0
    columns = seed_columns(terms, seeds)
    has_weight = theme_terms.weights.sum(axis=1) > 0
    n = counts.kept_paragraphs
    topics = _topic_audits(counts.topic_mass, topic_term, labels, n_vocabulary, theme_terms, list(seeds), columns)
    return LexiconAudit(
        kept_paragraphs=n,
        seed_token_share=float(term_totals[columns].sum()) / kept_tokens,
        evidence_token_share=float(term_totals[has_weight].sum()) / kept_tokens,
        seeded_paragraph_share=counts.seeded_paragraphs / n if n else 0.0,
        uncovered_topic_share=float(sum(t.share for t in topics if not t.covered)),
        topics=topics,
        evidence_shapes=shapes,
    )


def _topic_audits(
    mass: np.ndarray,
    topic_term: np.ndarray,
    labels: TopicLabels,
    n_vocabulary: int,
    theme_terms: ThemeTerms,
    themes: list[str],
    seed_columns: list[int],
) -> list[TopicAudit]:
    share = mass / mass.sum() if mass.sum() > 0 else mass
    in_vocabulary = [j for j in seed_columns if j < n_vocabulary]
    seed_mass = topic_term[:, in_vocabulary].sum(axis=1)
    weights = theme_terms.weights[:n_vocabulary]
    norms = np.linalg.norm(topic_term, axis=1)[:, None] * np.linalg.norm(weights, axis=0)[None, :]
    similarity = np.divide(topic_term @ weights, norms, out=np.zeros_like(norms), where=norms > 0)
    audits = []
    for k in range(len(share)):
        nearest = int(np.argmax(similarity[k])) if themes else -1
        audits.append(
            TopicAudit(
                topic=k,
                share=float(share[k]),
                seed_mass=float(seed_mass[k]),
                covered=bool(seed_mass[k] >= COVERED_SEED_MASS),
                theme=labels.theme[k],
                top_terms=labels.top_terms[k],
                nearest_theme=themes[nearest] if nearest >= 0 else "",
                similarity=float(similarity[k, nearest]) if nearest >= 0 else 0.0,
            )
        )
    return audits


def _heaviest(theme_terms: ThemeTerms, term_totals: np.ndarray) -> dict[int, list[int]]:
    """Per theme column: its SHAPE_TERMS evidence terms of most mass (weight x occurrences in kept text)."""
    mass = theme_terms.weights * term_totals[:, None]
    return {
        j: [int(i) for i in np.lexsort((np.arange(mass.shape[0]), -mass[:, j]))[:SHAPE_TERMS] if mass[i, j] > 0]
        for j in range(mass.shape[1])
    }


def shape_candidates(theme_terms: ThemeTerms, term_totals: np.ndarray, terms: list[str]) -> set[str]:
    """The evidence terms whose shape the audit reads: each theme's heaviest."""
    return {terms[i] for heaviest in _heaviest(theme_terms, term_totals).values() for i in heaviest}


def evidence_shapes(
    theme_terms: ThemeTerms, term_totals: np.ndarray, evidence: EvidenceCounts, themes: list[str], texts: Texts
) -> dict[str, dict[str, float]]:
    """Per theme: the share of its evidence mass (weight x occurrences in kept `texts`) held by each suspect shape."""
    candidates = shape_candidates(theme_terms, term_totals, evidence.terms)
    shape_of = term_shapes(candidates, texts)
    return shares_of_shapes(theme_terms, term_totals, evidence.terms, themes, shape_of)


def shares_of_shapes(
    theme_terms: ThemeTerms, term_totals: np.ndarray, terms: list[str], themes: list[str], shape_of: dict[str, str]
) -> dict[str, dict[str, float]]:
    """`evidence_shapes` from the candidates' shapes. Seeds are never suspect: a user who seeds "Israel" or "NHL"
    means the name."""
    mass = theme_terms.weights * term_totals[:, None]
    heaviest = _heaviest(theme_terms, term_totals)
    result = {}
    for j, theme in enumerate(themes):
        total = float(mass[:, j].sum())
        shares = dict.fromkeys(SHAPES, 0.0)
        for i in heaviest[j]:
            if not theme_terms.is_seed[i, j] and (shape := shape_of.get(terms[i], "")) and total > 0:
                shares[shape] += float(mass[i, j]) / total
        result[theme] = shares
    return result


def shape_words(terms: set[str]) -> set[str]:
    """The words whose occurrences tell the shapes of `terms` (a phrase's words)."""
    return {w for t in terms for w in t.split(PHRASE_JOIN) if w}


def term_shapes(terms: set[str], texts: Texts) -> dict[str, str]:
    """Each term's shape ("name", "email", "host", "number" or "") from its occurrences in `texts`; a phrase is
    an address when a word of it is one, a name when all its words are ("reggie leach"), else a number when one
    of its words is."""
    return shapes_from_occurrences(terms, word_occurrences(shape_words(terms), texts))


def shapes_from_occurrences(terms: set[str], occurrences: dict[str, str]) -> dict[str, str]:
    """`term_shapes` from each word's first SHAPE_OCCURRENCES occurrence classes in corpus order (a string of
    class letters, see `word_occurrences`)."""
    shapes = _word_shapes(shape_words(terms), occurrences)
    for term in terms:
        parts = [shapes.get(w, "") for w in term.split(PHRASE_JOIN)]
        for shape in ("email", "host"):
            if shape in parts:
                shapes[term] = shape
                break
        else:
            if parts and all(p == "name" for p in parts):
                shapes[term] = "name"
            elif "number" in parts:
                shapes[term] = "number"
    return shapes


# One letter per occurrence class, so a word's occurrences travel as a short string.
_CLASS_LETTER = {"email": "e", "host": "h", "lower": "l", "start": "s", "upper": "u"}
_LETTER_CLASS = {letter: name for name, letter in _CLASS_LETTER.items()}


def word_occurrences(words: set[str], texts: Texts, limit: int = SHAPE_OCCURRENCES) -> dict[str, str]:
    """Each word's first `limit` occurrences in `texts`, in order, as class letters (e-mail, host, lower case,
    sentence start, upper case); words with a digit are numbers by their spelling and are not looked for.
    `texts` may be a reader given the words still counted, which may skip texts holding none of them."""
    seen: dict[str, list[str]] = {t: [] for t in words if not any(c.isdigit() for c in t)}
    if not seen:
        return {}
    counting = set(seen)  # the words with fewer than `limit` occurrences seen so far
    for text in texts(counting) if callable(texts) else texts:
        if not counting:
            break
        # Split with the word captured, a text alternates between gaps and words (at C speed); most texts hold
        # none of the words still counted, and only those that do need offsets.
        pieces = _WORD_PIECES.split(text)
        lowered = [w.lower() for w in pieces[1::2]]
        if counting.isdisjoint(lowered):
            continue
        bounds = list(accumulate(map(len, pieces)))  # word j spans bounds[2j]:bounds[2j + 1]
        for j in [j for j, word in enumerate(lowered) if word in counting]:
            word, start, end = lowered[j], bounds[2 * j], bounds[2 * j + 1]
            if word not in counting:  # it reached `limit` earlier in this text
                continue
            # The whitespace-delimited chunk holding the word: "jd@cs.cmu.edu", "(Gerald", "www.nasa.gov".
            head = _CHUNK_TAIL.search(text, max(0, start - 80), start)
            chunk_start = head.start() if head else start
            tail = _CHUNK_HEAD.match(text, end, end + 80)
            chunk = text[chunk_start : tail.end() if tail else end]
            seen[word].append(_CLASS_LETTER[_occurrence_shape(chunk, start - chunk_start, text, chunk_start)])
            if len(seen[word]) >= limit:
                counting.discard(word)
    return {word: "".join(letters) for word, letters in seen.items()}


def _word_shapes(words: set[str], occurrences: dict[str, str]) -> dict[str, str]:
    shapes = {t: "number" for t in words if any(c.isdigit() for c in t)}
    for word in sorted(words - set(shapes)):
        classes = Counter(_LETTER_CLASS[c] for c in occurrences.get(word, "")[:SHAPE_OCCURRENCES])
        total = sum(classes.values())
        if not total:
            continue
        address = classes["email"] + classes["host"]
        if address / total >= SUSPECT_EVIDENCE_SHARE:
            shapes[word] = "email" if classes["email"] >= classes["host"] else "host"
        elif (mid := total - classes["start"]) >= 2 and classes["upper"] / mid >= NAME_CAPITALIZED:
            shapes[word] = "name"
    return shapes


def _occurrence_shape(chunk: str, at: int, text: str, chunk_start: int) -> str:
    if "@" in chunk:
        return "email"
    if _HOST.search(chunk):
        return "host"
    if not chunk[at].isupper():
        return "lower"
    before = text[max(0, chunk_start - 8) : chunk_start].rstrip()
    # A capital after a sentence end (or at the start of the paragraph) says nothing about a name.
    return "start" if not before or before[-1] in ".!?:\"'>" else "upper"


def warn_about_coverage(audit: LexiconAudit) -> None:
    """PipelineWarnings when the lexicon covers little of the corpus or a theme's evidence is names, addresses,
    hosts or numbers."""
    uncovered = [t for t in audit.topics if not t.covered]
    if audit.uncovered_topic_share > LOW_COVERAGE_TOPIC_MASS and audit.kept_paragraphs >= MIN_AUDITED_PARAGRAPHS:
        message = (
            f"lexicon: covers little of the corpus: {audit.uncovered_topic_share:.0%} of the topic mass is in "
            f"{len(uncovered)} of {len(audit.topics)} topics no theme's seeds reach, and seeds are "
            f"{audit.seed_token_share:.1%} of the kept tokens; its theme weights describe another corpus. See "
            "uncovered_topics.csv, or `themes lexicon suggest RUN_DIR` for seeds and themes to add"
        )
        warnings.warn(PipelineWarning(message, reason="low_coverage"))
    for theme, shares in audit.evidence_shapes.items():
        suspect = sum(shares.values())
        if suspect >= SUSPECT_EVIDENCE_SHARE:
            kinds = ", ".join(f"{shape} {share:.0%}" for shape, share in shares.items() if share > 0)
            message = (
                f"lexicon theme '{theme}': {suspect:.0%} of its evidence is names, e-mail addresses, hosts or numbers "
                f"({kinds}), not words about the theme; see theme_terms.csv"
            )
            warnings.warn(PipelineWarning(message, reason="evidence_shape"))
