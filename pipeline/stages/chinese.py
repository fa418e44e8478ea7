"""Chinese text: script detection, word segmentation (jieba-rs), Traditional -> Simplified matching forms, stopwords.

Words are cut by rjieba, the Python binding of jieba-rs: jieba's algorithm and bundled dictionary in Rust, giving
the same words as the `jieba` package twelve times faster (the 68-report corpus would spend most of its run
segmenting otherwise), with no cache file written and no log output. Everything here works offline: rjieba
ships its dictionary, opencc-python-reimplemented its conversion tables and stopwordsiso its lists. Text is never rewritten: segments are slices of the original, so offsets and displayed
words stay those of the document; only the token a word is matched and counted by is Simplified.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path


# CJK Unified Ideographs, Extension A and the compatibility block: the Han characters of modern text.
HAN_CLASS = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RUN = re.compile(f"[{HAN_CLASS}]+")
_HAN_CHAR = re.compile(f"[{HAN_CLASS}]")
# A text is Chinese when Han characters outweigh Latin words; a Chinese word averages about two characters.
HAN_CHARS_PER_WORD = 2


def has_han(text: str) -> bool:
    # isascii() reads a flag the string carries: no scan for text that is all ASCII.
    return not text.isascii() and _HAN_CHAR.search(text) is not None


def detect_language(text: str, head_chars: int = 20_000) -> str:
    """The language of a text: "zh" when its head has more Han words (two characters each) than Latin ones, else "en".

    Only two languages are told apart, and by their scripts, which a statistical detector would only guess at.
    """
    head = text[:head_chars]
    if not has_han(head):  # no Han word can outweigh the Latin ones: skip counting them (a regex scan per word)
        return "en"
    han_words = len(_HAN_CHAR.findall(head)) / HAN_CHARS_PER_WORD
    latin_words = len(re.findall(r"[A-Za-z]+", head))
    return "zh" if han_words > latin_words else "en"


def count_words(norm: str) -> int:
    """Words of a normalized line: spaces separate English words; Chinese runs count one word per two characters."""
    if not norm:
        return 0
    if not has_han(norm):
        return norm.count(" ") + 1
    han = sum(len(run) for run in HAN_RUN.findall(norm))
    latin = len(re.findall(r"[a-z0-9]+", HAN_RUN.sub(" ", norm)))
    return -(-han // HAN_CHARS_PER_WORD) + latin  # rounded up: a line of one character is one word


def word_counts(norms: list[str]) -> list[int]:
    """`count_words` of each normalized line; lines without Han characters (all of them, in most corpora) are
    counted by their spaces, with one scan for Han characters instead of one per line."""
    if has_han(" ".join(norms)):
        return list(map(count_words, norms))
    return [norm.count(" ") + 1 if norm else 0 for norm in norms]


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def traditional_characters() -> frozenset[str]:
    """Characters the t2s table changes: a run without any of them needs no conversion (most text, and fast)."""
    import opencc

    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if source and targets.split(" ")[0] != source:
            chars.add(source)
    return frozenset(chars)


def to_simplified(text: str) -> str:
    if traditional_characters().isdisjoint(text):
        return text
    return _converter().convert(text)


def segment_han(run: str) -> list[str]:
    """A run of Han characters -> its words, as slices of the run (Traditional stays Traditional).

    The segmenter's dictionary is Simplified, so a Traditional run is segmented in its Simplified form; the
    conversion keeps one character for one (checked), so the cut points carry over to the original.
    """
    simplified = to_simplified(run)
    if len(simplified) != len(run):
        simplified = run
    words, position = [], 0
    # Imported here: loading jieba's dictionary takes 0.1 s, which only runs with Chinese text should pay.
    import rjieba

    # Dictionary words only (no HMM guessing of unknown words): the same text always gives the same words.
    for word in rjieba.cut(simplified, False):
        words.append(run[position : position + len(word)])
        position += len(word)
    return words


def segment_spans(run: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of each word of a Han run that begins at `start` in its text."""
    spans = []
    for word in segment_han(run):
        spans.append((start, start + len(word)))
        start += len(word)
    return spans


@lru_cache(maxsize=None)
def chinese_stopwords(source: str) -> frozenset[str]:
    """Simplified stopwords: stopwordsiso's maintained Chinese list, or the project's list of policy filler."""
    if source == "stopwordsiso":
        import stopwordsiso

        return frozenset(stopwordsiso.stopwords("zh"))
    text = (resources.files("pipeline") / "data" / "stopwords_zh.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
