"""Tokenize: kept paragraphs and headings -> normalized tokens (a word regex, stopwords, lemmas or stems, phrases).

Needs no downloaded data: words are found by a regex, nltk's stemmers are pure code, simplemma ships its tables.
Per-word work (stopword check, lemma/stem) is memoized per word type, which is where the time goes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

from gensim.models.phrases import Phrases

from pipeline.config import TokenizeConfig
from pipeline.types import Lexicon, Paragraph, Tokenized

# Words with inner hyphens or apostrophes stay whole ("e-commerce", "people-centered"); "'s" is cut below.
WORD_PATTERN = r"[a-z0-9]+(?:[-'’][a-z0-9]+)*"  # on lowercased text
# Not nltk's RegexpTokenizer: it stops any call after 5 s of wall time (a guard against hostile patterns), so
# one long paragraph (a 50 MB file without line breaks) failed on a busy machine. This pattern is linear.
_WORD = re.compile(WORD_PATTERN)
PHRASE_JOIN = "_"
# Dropped paragraphs carry no tokens, except headings: they are not content but say what the section is about.
CONTEXT_REASONS = frozenset({"heading"})

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


def build_analyzer(config: TokenizeConfig) -> Analyzer:
    """text -> [(normalized token, lowercase surface word)] after stopword and length filters."""
    stopwords = frozenset().union(*(stopword_list(s) for s in config.stopwords), (w.lower() for w in config.extra_stopwords))
    normalize = build_normalizer(config.normalize)

    memo_pairs: dict[str, tuple[str, str] | None] = {}

    def word_to_pair(word: str) -> tuple[str, str] | None:
        """(token, displayed word); the possessive "'s" is cut from both."""
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if len(word) < config.min_length or word in stopwords:
            return None
        if word.isdigit() and not config.keep_numbers:
            return None
        token = normalize(word)
        return None if token in stopwords else (token, word)

    def analyze(text: str) -> list[tuple[str, str]]:
        pairs = []
        for word in _WORD.findall(text.lower()):
            if word not in memo_pairs:
                memo_pairs[word] = word_to_pair(word)
            pair = memo_pairs[word]
            if pair is not None:
                pairs.append(pair)
        return pairs

    return analyze


def seed_terms(lexicon: Lexicon, analyzer: Analyzer) -> dict[str, list[str]]:
    """Each theme's seeds as corpus tokens: a phrase becomes its tokens joined by "_"; duplicates removed.

    A multi-word seed that keeps a single token after stopword removal ("all countries" -> "country") is left
    out: the user asked for the phrase, and the lone word would be far less specific.
    """
    terms: dict[str, list[str]] = {}
    for theme, seeds in lexicon.themes.items():
        normalized = []
        for seed in seeds:
            tokens = [t for t, _ in analyzer(seed)]
            if len(tokens) > 1 or (tokens and len(seed.split()) == 1):
                normalized.append(PHRASE_JOIN.join(tokens))
        terms[theme] = list(dict.fromkeys(normalized))
    return terms


def tokenize(paragraphs: list[Paragraph], config: TokenizeConfig, *, phraser: Any = None) -> Tokenized:
    """Tokens for every paragraph (empty for dropped ones but headings), then corpus phrases.

    The lexicon plays no part here: tokens, vocabulary and topics stay the same when only the lexicon changes,
    and lexicon phrases are matched later, on the word sequence (`stages/evidence.py`). A fitted `phraser`
    (a saved run's, applied to new documents) joins phrases instead of one learned from these paragraphs.
    """
    analyzer = build_analyzer(config)
    surfaces: dict[str, Counter[str]] = {}
    tokens = []
    for paragraph in paragraphs:
        pairs = analyzer(paragraph.text) if paragraph.kept or paragraph.drop_reason in CONTEXT_REASONS else []
        for token, word in pairs:
            surfaces.setdefault(token, Counter())[word] += 1
        tokens.append([t for t, _ in pairs])
    if phraser is None and config.phrases and any(tokens):
        phraser = Phrases(
            tokens,
            min_count=config.phrase_min_count,
            threshold=config.phrase_threshold,
            scoring="npmi",
            delimiter=PHRASE_JOIN,
            connector_words=frozenset(),
        ).freeze()
    if phraser is not None:
        tokens = [phraser[t] if t else [] for t in tokens]
    surface = {word: _surface(word, surfaces) for word in sorted({t for doc in tokens for t in doc})}
    return Tokenized(tokens=tokens, surface=surface, phraser=phraser)


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


def _surface(token: str, surfaces: dict[str, Counter[str]]) -> str:
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
