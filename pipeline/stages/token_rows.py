"""Which paragraphs hold given words, read off the token sequence: the stages that must read paragraphs' text
again (readable terms, evidence shapes) read only those, instead of every paragraph."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import numpy as np

from pipeline.config import TokenizeConfig
from pipeline.stages.tokenize import WORD_PATTERN, build_word_normalizer
from pipeline.types import Paragraph, TokenSequence, Tokenized

_PLAIN_WORD = re.compile(WORD_PATTERN)
BLOCK_ROWS = 5_000


def positions_in_rows(sequence: TokenSequence, ids: np.ndarray, first_row: int, last_row: int) -> tuple[np.ndarray, np.ndarray]:
    """The positions in `sequence` of `ids` within rows first_row..last_row - 1, in order, and the row of each."""
    begin, end = int(sequence.offsets[first_row]), int(sequence.offsets[last_row])
    positions = begin + np.flatnonzero(np.isin(sequence.ids[begin:end], ids))
    return positions, np.searchsorted(sequence.offsets, positions, side="right") - 1


def texts_holding(
    paragraphs: list[Paragraph], rows: np.ndarray, tokenized: Tokenized, config: TokenizeConfig
) -> Callable[[set[str]], Iterator[str]]:
    """A reader of the texts of `rows`, in order, that skips those holding none of the words still looked for
    (a set it reads again each block of rows, so words found often enough stop costing reads).

    A plain word (ASCII letters and digits, "-" or an apostrophe inside) written in a text was read there by the
    tokenizer too, as the token it normalizes to: a row without that token cannot hold it. Any other word (Chinese,
    a stopword, letters beyond ASCII) could be anywhere, and while one is looked for every row is read."""
    word_to_pair = build_word_normalizer(config)
    index = {t: i for i, t in enumerate(tokenized.vocabulary)}
    token_of: dict[str, int | None] = {}  # -1: the word cannot occur; None: it could be in any row

    def token(word: str) -> int | None:
        if word not in token_of:
            pair = word_to_pair(word) if _PLAIN_WORD.fullmatch(word) else None
            token_of[word] = None if pair is None else index.get(pair[0], -1)
        return token_of[word]

    def read(looked_for: set[str]) -> Iterator[str]:
        for start in range(0, len(rows), BLOCK_ROWS):
            block = rows[start : start + BLOCK_ROWS]
            ids = [token(w) for w in looked_for]
            if any(i is None for i in ids):
                holding = block
            else:
                _, found = positions_in_rows(tokenized.words, np.array(ids, dtype=np.int64), int(block[0]), int(block[-1]) + 1)
                holding = np.intersect1d(block, found)
            for row in holding.tolist():
                yield paragraphs[row].text

    return read
