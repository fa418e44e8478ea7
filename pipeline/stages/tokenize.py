"""Tokenize: kept paragraphs and headings -> normalized tokens (a word regex, stopwords, lemmas or stems, phrases).

Needs no downloaded data: words are found by a regex, nltk's stemmers are pure code, simplemma ships its tables.
Per-word work (stopword check, lemma/stem) is memoized per word type, which is where the time goes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from typing import Any

import numpy as np

from pipeline.config import TokenizeConfig
from pipeline.stages.chinese import HAN_RUN, chinese_stopwords, has_han, segment_han, segment_spans, to_simplified
from pipeline.stages.sequences import join_pairs, learn_phrases
from pipeline.stages.chunks import map_chunks
from pipeline.types import Lexicon, Paragraph, ProgressHook, TokenSequence, Tokenized

# Words with inner hyphens or apostrophes stay whole ("e-commerce", "people-centered"); "'s" is cut below.
# Compiled with `re`, not nltk's RegexpTokenizer: nltk now runs every pattern through the `regex` package
# with ReDoS guards, twice as slow, and this pattern cannot backtrack badly.
WORD_PATTERN = r"[a-z0-9]+(?:[-'’][a-z0-9]+)*"  # on lowercased text
# Not nltk's RegexpTokenizer: it stops any call after 5 s of wall time (a guard against hostile patterns), so
# one long paragraph (a 50 MB file without line breaks) failed on a busy machine; it is also twice as slow.
# This pattern is linear.
_WORD = re.compile(WORD_PATTERN)
_WORD_ANY_CASE = re.compile(WORD_PATTERN, re.IGNORECASE)
# Split with the word captured, a text alternates between gaps and words: their lengths give every word's start.
_WORD_PIECES = re.compile(f"({WORD_PATTERN})")
# Letters a case-insensitive match of the word pattern takes but lowercasing does not turn into a-z: in a text
# holding one, a word's start in the lowercased text is not where the readable terms' search finds it.
_ODD_CASE = ("ı", "ſ")
UNKNOWN_START = -1
PHRASE_JOIN = "_"
# Dropped paragraphs carry no tokens, except headings and titles: they are not content but say what the section
# (heading) or the whole document (title: a news headline) is about.
CONTEXT_REASONS = frozenset({"heading", "title"})

Analyzer = Callable[[str], list[tuple[str, str]]]


@lru_cache(maxsize=None)
def stopword_list(source: str) -> frozenset[str]:
    if source == "sklearn":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    if source == "gensim":
        from gensim.parsing.preprocessing import STOPWORDS

        return frozenset(STOPWORDS)
    text = (resources.files("pipeline") / "data" / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def build_normalizer(method: str) -> Callable[[str], str]:
    if method == "lemma":
        import simplemma

        return lambda word: simplemma.lemmatize(word, lang="en").lower()
    if method == "snowball":
        from nltk.stem.snowball import SnowballStemmer

        return SnowballStemmer("english").stem
    if method == "porter":
        from nltk.stem.porter import PorterStemmer

        return PorterStemmer().stem
    return lambda word: word


def find_words(text: str) -> list[str]:
    """The words of a text, lowercased: English words by the word pattern, runs of Han characters by jieba."""
    lowered = text.lower()
    if not has_han(lowered):
        return _WORD.findall(lowered)
    words: list[str] = []
    position = 0
    for run in HAN_RUN.finditer(lowered):
        words.extend(_WORD.findall(lowered, position, run.start()))
        words.extend(segment_han(run.group()))
        position = run.end()
    words.extend(_WORD.findall(lowered, position))
    return words


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word `find_words` finds, as offsets into `text` itself (not a lowercased copy)."""
    if not has_han(text):
        return [m.span() for m in _WORD_ANY_CASE.finditer(text)]
    spans: list[tuple[int, int]] = []
    position = 0
    for run in HAN_RUN.finditer(text):
        spans.extend(m.span() for m in _WORD_ANY_CASE.finditer(text, position, run.start()))
        spans.extend(segment_spans(run.group(), run.start()))
        position = run.end()
    spans.extend(m.span() for m in _WORD_ANY_CASE.finditer(text, position))
    return spans


def build_word_normalizer(config: TokenizeConfig) -> Callable[[str], tuple[str, str] | None]:
    """lowercase word -> (token, displayed word), or None for a stopword, number or short word.

    A Chinese word's token is its Simplified form (Traditional text matches Simplified seeds); it is shown as written.
    """
    stopwords = frozenset().union(*(stopword_list(s) for s in config.stopwords), (w.lower() for w in config.extra_stopwords))
    zh_stopwords = frozenset().union(*(chinese_stopwords(s) for s in config.stopwords_zh), map(to_simplified, stopwords))
    normalize = build_normalizer(config.normalize)

    def word_to_pair(word: str) -> tuple[str, str] | None:
        if has_han(word):
            token = to_simplified(word)
            return None if len(token) < config.min_length_zh or token in zh_stopwords else (token, word)
        # The possessive "'s" is cut from both the token and the displayed word.
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if len(word) < config.min_length or word in stopwords:
            return None
        if word.isdigit() and not config.keep_numbers:
            return None
        token = normalize(word)
        return None if token in stopwords else (token, word)

    return word_to_pair


def build_analyzer(config: TokenizeConfig) -> Analyzer:
    """text -> [(normalized token, lowercase surface word)] after stopword and length filters."""
    word_to_pair = build_word_normalizer(config)
    memo_pairs: dict[str, tuple[str, str] | None] = {}

    def analyze(text: str) -> list[tuple[str, str]]:
        pairs = []
        for word in find_words(text):
            if word not in memo_pairs:
                memo_pairs[word] = word_to_pair(word)
            pair = memo_pairs[word]
            if pair is not None:
                pairs.append(pair)
        return pairs

    return analyze


def usable_seeds(lexicon: Lexicon, vocabulary: list[str] | None = None) -> dict[str, list[str]]:
    """Each theme's seeds as written, without the Chinese ones when the `vocabulary` has no Chinese word: they
    cannot occur, and would only add empty columns to the model (an English run stays as it was without them)."""
    chinese_possible = vocabulary is None or any(map(has_han, vocabulary))
    return {theme: [s for s in seeds if chinese_possible or not has_han(s)] for theme, seeds in lexicon.themes.items()}


def seed_terms(lexicon: Lexicon, analyzer: Analyzer, vocabulary: list[str] | None = None) -> dict[str, list[str]]:
    """Each theme's usable seeds as corpus tokens: a phrase becomes its tokens joined by "_"; duplicates removed.

    A multi-word seed that keeps a single token after stopword removal ("all countries" -> "country") is left
    out: the user asked for the phrase, and the lone word would be far less specific.
    """
    terms: dict[str, list[str]] = {}
    for theme, seeds in usable_seeds(lexicon, vocabulary).items():
        normalized = []
        for seed in seeds:
            tokens = [t for t, _ in analyzer(seed)]
            words = len(find_words(seed)) if has_han(seed) else len(seed.split())
            if len(tokens) > 1 or (tokens and words == 1):
                normalized.append(PHRASE_JOIN.join(tokens))
        terms[theme] = list(dict.fromkeys(normalized))
    return terms


def seed_spellings(lexicon: Lexicon, analyzer: Analyzer) -> dict[str, str]:
    """Each normalized seed -> the first seed written for it in the lexicon ("rule_law" -> "rule of law")."""
    spelled: dict[str, str] = {}
    for seeds in lexicon.themes.values():
        for seed in seeds:
            tokens = [t for t, _ in analyzer(seed)]
            if tokens:
                spelled.setdefault(PHRASE_JOIN.join(tokens), " ".join(seed.split()))
    return spelled


def tokenize(
    paragraphs: list[Paragraph],
    config: TokenizeConfig,
    *,
    workers: int = 1,
    phraser: Any = None,
    progress: ProgressHook | None = None,
) -> Tokenized:
    """Tokens for every paragraph (empty for dropped ones but headings), then corpus phrases.

    The lexicon plays no part here: tokens, vocabulary and topics stay the same when only the lexicon changes,
    and lexicon phrases are matched later, on the word sequence (`stages/evidence.py`). A fitted `phraser`
    (a saved run's, applied to new documents) joins phrases instead of one learned from these paragraphs.
    `workers` processes share the work in order-preserving chunks; the result is the same for any number.
    `progress(chunks done, chunks)` is called as each chunk is merged.
    """
    texts = [p.text if p.kept or p.drop_reason in CONTEXT_REASONS else "" for p in paragraphs]
    _word_table(config.model_dump_json())  # built before workers fork, so they inherit it warm
    words, vocabulary, surfaces, starts = _merge_chunks(
        map_chunks(tokenize_chunk, texts, config, workers=workers, progress=progress)
    )
    if phraser is None and config.phrases and len(words.ids):
        phraser = learn_phrases(
            words, vocabulary, min_count=config.phrase_min_count, threshold=config.phrase_threshold, delimiter=PHRASE_JOIN
        )
    tokens = words
    if phraser is not None:
        words, tokens, vocabulary = join_corpus_phrases(words, vocabulary, list(phraser.phrasegrams))
    present = np.unique(tokens.ids)
    surface = {vocabulary[i]: surface_form(vocabulary[i], surfaces) for i in present.tolist()}
    return Tokenized(
        token_ids=tokens, words=words, vocabulary=vocabulary, surface=surface, phraser=phraser, starts=starts
    )


@dataclass(frozen=True)
class ChunkTokens:
    """One chunk's tokens: `ids` index the chunk's own `tokens` list; `displays` = (token, written word, count)."""

    tokens: list[str]
    ids: np.ndarray
    lengths: np.ndarray
    displays: list[tuple[str, str, int]]
    starts: np.ndarray  # int32: where each token's word begins in its text, or UNKNOWN_START


class _WordTable:
    """Per-process memo of per-word work: each word type is normalized once, then looked up by index."""

    def __init__(self, config: TokenizeConfig):
        self.word_to_pair = build_word_normalizer(config)
        # A lemmatizer loads its tables on first use: load them now, before workers fork from this process.
        self.word_to_pair("tables")
        self.index: dict[str, int] = {}
        self.token_of_word = np.empty(0, dtype=np.int64)  # -1 for words that give no token
        self.display: list[str] = []
        self.tokens: list[str] = []
        self.token_index: dict[str, int] = {}

    def encode(self, words: list[str]) -> np.ndarray:
        new = sorted(set(words).difference(self.index))
        if new:
            token_ids = np.fromiter((self._add(w) for w in new), dtype=np.int64, count=len(new))
            self.token_of_word = np.concatenate([self.token_of_word, token_ids])
        return np.fromiter(map(self.index.__getitem__, words), dtype=np.int64, count=len(words))

    def _add(self, word: str) -> int:
        self.index[word] = len(self.index)
        pair = self.word_to_pair(word)
        self.display.append(pair[1] if pair else "")
        if pair is None:
            return -1
        if pair[0] not in self.token_index:
            self.token_index[pair[0]] = len(self.tokens)
            self.tokens.append(pair[0])
        return self.token_index[pair[0]]


@lru_cache(maxsize=4)
def _word_table(config_json: str) -> _WordTable:
    return _WordTable(TokenizeConfig.model_validate_json(config_json))


def tokenize_chunk(texts: list[str], config: TokenizeConfig) -> ChunkTokens:
    """Tokens of a chunk of texts; runs in a worker process, whose word table lives on across chunks."""
    table = _word_table(config.model_dump_json())
    words: list[str] = []
    word_counts = np.zeros(len(texts) + 1, dtype=np.int64)
    starts: list[int] = []
    for i, text in enumerate(texts):
        found, found_starts = _words_with_starts(text)
        words.extend(found)
        starts.extend(found_starts)
        word_counts[i + 1] = len(found)
    codes = table.encode(words)
    token_codes = table.token_of_word[codes]
    kept = token_codes >= 0
    kept_before = np.concatenate(([0], np.cumsum(kept)))
    lengths = np.diff(kept_before[np.cumsum(word_counts)])
    # Sorted distinct codes by counting, not sorting (np.unique): linear in a chunk's millions of words.
    kept_tokens = token_codes[kept]
    number = np.zeros(len(table.tokens), dtype=np.int64)
    number[kept_tokens] = 1
    used = np.flatnonzero(number)
    local_ids = (np.cumsum(number) - 1)[kept_tokens]
    word_counts_kept = np.bincount(codes[kept], minlength=len(table.display))
    shown = np.flatnonzero(word_counts_kept)
    shown_counts = word_counts_kept[shown]
    displays = [
        (table.tokens[table.token_of_word[w]], table.display[w], int(c)) for w, c in zip(shown.tolist(), shown_counts)
    ]
    return ChunkTokens(
        tokens=[table.tokens[i] for i in used.tolist()], ids=local_ids.astype(np.int32), lengths=lengths,
        displays=displays, starts=np.array(starts, dtype=np.int32)[kept],
    )


def _words_with_starts(text: str) -> tuple[list[str], list[int]]:
    """`find_words(text)` and where each begins in `text`; UNKNOWN_START where Chinese words or an odd letter
    make offsets into the lowercased text unreliable (the readable terms then read such a paragraph again)."""
    lowered = text.lower()
    if not text.isascii() and (len(lowered) != len(text) or has_han(lowered) or any(c in text for c in _ODD_CASE)):
        found = find_words(text)
        return found, [UNKNOWN_START] * len(found)
    pieces = _WORD_PIECES.split(lowered)
    bounds = list(accumulate(map(len, pieces)))  # word j spans bounds[2j]:bounds[2j + 1]
    del bounds[-1]
    return pieces[1::2], bounds[::2]


def _merge_chunks(chunks) -> tuple[TokenSequence, list[str], dict[str, Counter[str]], np.ndarray]:
    """Chunks in order -> one sequence over a sorted vocabulary, the written forms of every token, and each
    token's start in its text (`compact_starts`)."""
    index: dict[str, int] = {}
    ids, lengths, starts = [], [], []
    displays: Counter[tuple[str, str]] = Counter()
    for chunk in chunks:
        renumber = np.fromiter((index.setdefault(t, len(index)) for t in chunk.tokens), dtype=np.int32, count=len(chunk.tokens))
        ids.append(renumber[chunk.ids])
        lengths.append(chunk.lengths)
        starts.append(chunk.starts)
        for token, word, count in chunk.displays:
            displays[token, word] += count
    surfaces: dict[str, Counter[str]] = {}
    for (token, word), count in displays.items():
        surfaces.setdefault(token, Counter())[word] = count
    vocabulary = sorted(index)
    # Ids in sorted order do not depend on which chunk met a token first.
    position = np.empty(len(index), dtype=np.int32)
    position[[index[t] for t in vocabulary]] = np.arange(len(vocabulary), dtype=np.int32)
    all_ids = position[np.concatenate(ids)] if ids else np.empty(0, dtype=np.int32)
    offsets = np.concatenate(([0], np.cumsum(np.concatenate(lengths)))) if lengths else np.zeros(1, dtype=np.int64)
    sequence = TokenSequence(ids=all_ids.astype(np.int32), offsets=offsets.astype(np.int64))
    return sequence, vocabulary, surfaces, compact_starts(np.concatenate(starts) if starts else np.empty(0, np.int32))


def compact_starts(starts: np.ndarray) -> np.ndarray:
    """Word starts in the smallest dtype that holds them, UNKNOWN_START as its largest value: two bytes a token
    for any corpus of paragraphs under 65,535 characters (tens of megabytes at 300k paragraphs)."""
    dtype = np.uint16 if starts.size == 0 or int(starts.max()) < np.iinfo(np.uint16).max else np.int32
    compact = starts.astype(dtype)
    compact[starts == UNKNOWN_START] = np.iinfo(dtype).max
    return compact


def join_corpus_phrases(
    words: TokenSequence, vocabulary: list[str], phrases: list[str]
) -> tuple[TokenSequence, TokenSequence, list[str]]:
    """Add the phrases to the (sorted) vocabulary, re-number the words, and join the phrases' word pairs.

    Phrases of a saved phraser whose words these paragraphs lack cannot occur, and are left out."""
    known = set(vocabulary)
    pairs_of = {p: p.split(PHRASE_JOIN) for p in phrases}
    phrases = [p for p, parts in pairs_of.items() if all(w in known for w in parts)]
    if not phrases:
        return words, words, vocabulary
    combined = sorted(known.union(phrases))
    index = {t: i for i, t in enumerate(combined)}
    renumber = np.fromiter((index[t] for t in vocabulary), dtype=np.int32, count=len(vocabulary))
    words = TokenSequence(ids=renumber[words.ids], offsets=words.offsets)
    pair_ids = {index[pairs_of[p][0]] * len(combined) + index[pairs_of[p][1]]: index[p] for p in phrases}
    pairs = np.array(sorted(pair_ids), dtype=np.int64)
    joined = np.array([pair_ids[k] for k in pairs.tolist()], dtype=np.int32)
    return words, join_pairs(words, pairs, joined, len(combined)), combined


def join_phrases(tokens: list[str], phrases: set[tuple[str, ...]], longest: int | None = None) -> list[str]:
    """Greedy longest-first joining of known multi-word terms, so seeds like "rule of law" match as one token.

    `longest` (the most words in a phrase) spares a caller joining many paragraphs a scan of `phrases` for each.
    """
    if not phrases:
        return tokens
    longest = longest or max(len(p) for p in phrases)
    joined, i = [], 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 1, -1):
            if tuple(tokens[i : i + size]) in phrases:
                joined.append(PHRASE_JOIN.join(tokens[i : i + size]))
                i += size
                break
        else:
            joined.append(tokens[i])
            i += 1
    return joined


def surface_form(token: str, surfaces: dict[str, Counter[str]]) -> str:
    """The most frequent written form of a token (ties: alphabetical), phrases as their words with spaces."""
    parts = token.split(PHRASE_JOIN) if token not in surfaces else [token]
    shown = []
    for part in parts:
        counts = surfaces.get(part)
        shown.append(min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else part)
    return " ".join(shown)


def phrase_surface(token: str, surface: dict[str, str]) -> str:
    """Display form of a token that may be a phrase the tokenizer never joined (a lexicon phrase)."""
    if token in surface:
        return surface[token]
    return " ".join(surface.get(part, part) for part in token.split(PHRASE_JOIN))
