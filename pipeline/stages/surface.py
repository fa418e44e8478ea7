"""Readable terms: the form a person reads ("rule of law", "China") for a normalized term the model uses
("rule_law", "china").

A term's surface form is the text span that most often tokenized to it in kept paragraphs: from its first word to
its last, with the stopwords between as written, whitespace runs shown as one space and a possessive "'s" left
out; a span across other punctuation is not counted. Spans are counted lowercased; the capitals are those the span most often has inside a sentence (a capital
at a sentence's start says nothing), else none. Ties go to the span with fewer capitals, then to the
alphabetically first, so the choice never depends on paragraph order.
Only the terms a run shows are counted (top terms per topic, theme and document, and the evidence terms), in the
paragraphs that contain their first word, up to SPANS_PER_TERM spans each: a compact count, however large the
corpus.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from pipeline.config import TokenizeConfig
from pipeline.stages.token_rows import positions_in_rows
from pipeline.stages.tokenize import PHRASE_JOIN, WORD_PATTERN, build_word_normalizer, phrase_surface
from pipeline.types import Paragraph, Tokenized

# The tokenizer's words, found case-insensitively so that spans are taken from the text as written. Split with
# the word captured, a text alternates between gaps and words: their lengths give every offset at C speed.
_WORD_PIECES = re.compile(f"({WORD_PATTERN})", re.IGNORECASE)
_WORD_ANY_CASE = re.compile(WORD_PATTERN, re.IGNORECASE)
_POSSESSIVE = ("'s", "’s", "'S", "’S")
# Words and what may join them in a phrase people read; a span across other punctuation ("growth; trade") is not
# one, and ";", ":" and "*" would break the "term:weight; ..." cells.
_READABLE = re.compile(r"[\w'’\-&/ ]+")
# A term's form is told from its first this many spans in corpus order (deterministic): a common word would
# otherwise cost a pass over nearly every paragraph.
SPANS_PER_TERM = 300
SENTENCE_ENDS = frozenset(".!?:;\n\r•·–—-*#>")


@dataclass(frozen=True)
class SpanCounts:
    """How a term's spans were written: lowercased (which words), cased within a sentence, and how many were read."""

    spans: dict[str, Counter[str]]
    cased: dict[str, Counter[str]]
    seen: Counter[str]


def surface_forms(
    paragraphs: list[Paragraph], tokenized: Tokenized, terms: Iterable[str], config: TokenizeConfig
) -> dict[str, str]:
    """Each of `terms` (normalized, phrases joined by "_") -> its most frequent written span; a term never found
    written (a lexicon seed absent from the corpus) keeps the tokenizer's display form."""
    wanted = sorted(set(terms))
    return forms_from_counts(wanted, count_spans(paragraphs, tokenized, wanted, config), tokenized.surface)


def count_spans(
    paragraphs: list[Paragraph],
    tokenized: Tokenized,
    terms: Iterable[str],
    config: TokenizeConfig,
    limits: dict[str, int] | None = None,
) -> SpanCounts:
    """The spans of `terms` in kept paragraphs, in order, each term's up to the paragraph where it reaches its limit
    (`limits`, else SPANS_PER_TERM): counted in parts of a corpus with the right limits, they add up to the
    counts over the whole."""
    limits = limits or {}
    wanted = sorted(t for t in set(terms) if limits.get(t, SPANS_PER_TERM) > 0)
    by_first: dict[str, list[tuple[str, tuple[str, ...], int]]] = {}
    for term in wanted:
        parts = tuple(term.split(PHRASE_JOIN))
        by_first.setdefault(parts[0], []).append((term, parts, limits.get(term, SPANS_PER_TERM)))
    spans: defaultdict[str, Counter[str]] = defaultdict(Counter)  # lowercased: which words people write for it
    cased: defaultdict[str, Counter[str]] = defaultdict(Counter)  # within a sentence: how they capitalize them
    seen: Counter[str] = Counter()
    word_to_pair = build_word_normalizer(config)
    memo: dict[str, tuple[str, int] | None] = {}
    for row, candidates, tokens, word_starts in _rows_with_words(paragraphs, tokenized, by_first):
        if not by_first:
            break
        active = [i for i in candidates if tokens[i] in by_first]
        if not active:  # its words' terms all have enough spans
            continue
        text = paragraphs[row].text
        ends: list[int] | None = None  # None: the tokenizer kept where words begin; their ends are matched
        if word_starts is None:
            tokens, word_starts, ends = _written_words(text, word_to_pair, memo)
            active = [i for i, token in enumerate(tokens) if token in by_first]
        enough = set()
        for i in active:
            start = word_starts[i]
            for term, parts, limit in by_first[tokens[i]]:
                if len(parts) == 1:  # one word: no whitespace to fold, always readable
                    span = text[start : ends[i]] if ends is not None else _written_at(text, start)
                elif tuple(tokens[i : i + len(parts)]) == parts:
                    last = i + len(parts) - 1
                    end = ends[last] if ends is not None else word_starts[last] + len(_written_at(text, word_starts[last]))
                    span = " ".join(text[start:end].split())
                    if not _READABLE.fullmatch(span):
                        continue
                else:
                    continue
                spans[term][span.lower()] += 1
                if not _starts_sentence(text, start):
                    cased[term][span] += 1
                seen[term] += 1
                if seen[term] == limit:
                    enough.add(term)
        for term in enough:
            # Enough spans to tell the usual form; looking further would cost a pass over most paragraphs.
            first = term.split(PHRASE_JOIN)[0]
            by_first[first] = [entry for entry in by_first[first] if entry[0] != term]
            if not by_first[first]:
                del by_first[first]
    return SpanCounts(dict(spans), dict(cased), seen)


def forms_from_counts(wanted: Iterable[str], counted: SpanCounts, surface: dict[str, str]) -> dict[str, str]:
    """Each wanted term's form from its counted spans; the tokenizer's display form (`surface`) when none."""
    forms = {}
    for term in wanted:
        if term not in counted.spans:
            forms[term] = phrase_surface(term, surface)
            continue
        written = _most_frequent(counted.spans[term])
        as_cased = Counter({s: n for s, n in counted.cased.get(term, Counter()).items() if s.lower() == written})
        forms[term] = _most_frequent(as_cased) if as_cased else written
    return forms


def _starts_sentence(text: str, start: int) -> bool:
    """Whether a word at `start` opens a sentence, a line or a list item, where its capital says nothing."""
    before = text[max(0, start - 40) : start].rstrip(" \t\"'“‘([")  # a window: paragraphs may be long
    return not before or before[-1] in SENTENCE_ENDS


def _rows_with_words(
    paragraphs: list[Paragraph], tokenized: Tokenized, words: Collection[str], block_rows: int = 10_000
) -> Iterator[tuple[int, list[int], list[str], list[int] | None]]:
    """For each kept paragraph that holds one of `words`, in order: its row, the indices among its tokens of
    those words, its tokens and where each begins in its text (None when not known). Headings and titles, often
    in title case, are left out. Rows are searched a block at a time, so memory stays small; `words` is read
    again for each block, so a caller may drop the words it has seen enough of."""
    index = {token: i for i, token in enumerate(tokenized.vocabulary)}
    sequence, starts = tokenized.words, tokenized.starts
    unknown = None if starts is None else np.iinfo(starts.dtype).max
    vocabulary = np.array(tokenized.vocabulary, dtype=object)
    kept = np.fromiter((p.kept for p in paragraphs), dtype=bool, count=len(paragraphs))
    for first_row in range(0, len(paragraphs), block_rows):
        last_row = min(first_row + block_rows, len(paragraphs))
        ids = np.array([index[w] for w in words if w in index], dtype=np.int64)
        positions, rows = positions_in_rows(sequence, ids, first_row, last_row)
        positions, rows = positions[kept[rows]], rows[kept[rows]]
        # The block's tokens and starts as lists once: a row's are then slices of them.
        base = int(sequence.offsets[first_row])
        tokens = vocabulary[sequence.ids[base : sequence.offsets[last_row]]].tolist()
        block_starts = None if starts is None else starts[base : sequence.offsets[last_row]].tolist()
        at = (positions - sequence.offsets[rows]).tolist()
        firsts = np.flatnonzero(np.diff(rows, prepend=-1))
        for start, stop in zip(firsts.tolist(), [*firsts[1:].tolist(), len(rows)]):
            row = int(rows[start])
            begin, end = int(sequence.offsets[row]) - base, int(sequence.offsets[row + 1]) - base
            row_starts = None if block_starts is None or block_starts[begin] == unknown else block_starts[begin:end]
            yield row, at[start:stop], tokens[begin:end], row_starts


def _written_at(text: str, start: int) -> str:
    """The word written at `start`, a possessive "'s" left out."""
    word = _WORD_ANY_CASE.match(text, start).group()  # type: ignore[union-attr]
    return word[:-2] if word.endswith(_POSSESSIVE) else word


def _written_words(
    text: str, word_to_pair, memo: dict[str, tuple[str, int] | None]
) -> tuple[list[str], list[int], list[int]]:
    """The token, start and end of each word of `text` that gives a token, offsets into `text` as written."""
    pieces = _WORD_PIECES.split(text)
    written = pieces[1::2]
    for word in set(written).difference(memo):  # keyed as written: most words repeat, and lower() is then spared
        pair = word_to_pair(word.lower())
        memo[word] = (pair[0], 2 if word.endswith(_POSSESSIVE) else 0) if pair else None
    bounds = list(accumulate(map(len, pieces)))  # word j spans bounds[2j]:bounds[2j + 1]
    known = [(j, found) for j, found in enumerate(map(memo.__getitem__, written)) if found is not None]
    return (
        [found[0] for _, found in known],
        [bounds[2 * j] for j, _ in known],
        [bounds[2 * j + 1] - found[1] for j, found in known],
    )


def _most_frequent(spans: Counter[str]) -> str:
    return min(spans.items(), key=lambda kv: (-kv[1], sum(c.isupper() for c in kv[0]), kv[0]))[0]


def evidence_terms(evidence: Iterable[str]) -> set[str]:
    """The normalized terms named in paragraph evidence strings ("rule_law*:2.10; court:0.40")."""
    return {item.rsplit(":", 1)[0].rstrip("*") for text in evidence if text for item in text.split("; ")}


def readable_evidence(text: str, display: dict[str, str]) -> str:
    """An evidence string with each normalized term in its display form. Normalized terms hold only letters,
    digits, "-", "'", "_", so ";", ":" and "*" cannot occur inside one."""
    if not text:
        return text
    items = []
    for item in text.split("; "):
        term, score = item.rsplit(":", 1)
        seed = "*" if term.endswith("*") else ""
        items.append(f"{display.get(term.rstrip('*'), term.rstrip('*'))}{seed}:{score}")
    return "; ".join(items)
