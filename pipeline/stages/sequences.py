"""Vectorized work on token-id sequences: count matrices, corpus phrases (gensim's npmi rule) and term matching.

Everything here runs in numpy over the whole corpus at once; Python loops only touch word types or the few
positions where a multi-word term may start, which keeps a corpus of millions of tokens within seconds.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from gensim.models.phrases import FrozenPhrases, Phrases

from pipeline.types import TokenSequence

# Positions handled per block when building count matrices: bounds the temporary arrays' memory.
BLOCK_POSITIONS = 2_000_000


def pair_keys(ids: np.ndarray, num_types: int) -> np.ndarray:
    """Key of each adjacent pair (ids[i], ids[i + 1]) as one int64."""
    return ids[:-1].astype(np.int64) * num_types + ids[1:]


def pairs_within_rows(sequence: TokenSequence) -> np.ndarray:
    """Mask over positions 0..n-2: True where position i + 1 is in the same paragraph as i."""
    n = len(sequence.ids)
    within = np.ones(max(n - 1, 0), dtype=bool)
    starts = sequence.offsets[1:-1]
    starts = starts[(starts > 0) & (starts < n)]
    within[starts - 1] = False
    return within


def count_matrix(columns: np.ndarray, offsets: np.ndarray, num_columns: int) -> sp.csr_matrix:
    """Rows x columns counts of `columns` (one entry per position, -1 = not counted), rows cut at `offsets`."""
    num_rows = len(offsets) - 1
    blocks, row = [], 0
    while row < num_rows:
        end = int(np.searchsorted(offsets, offsets[row] + BLOCK_POSITIONS, side="right")) - 1
        end = min(max(end, row + 1), num_rows)
        blocks.append(_count_block(columns[offsets[row] : offsets[end]], offsets[row : end + 1] - offsets[row], num_columns))
        row = end
    if not blocks:
        return sp.csr_matrix((0, num_columns))
    return sp.csr_matrix(sp.vstack(blocks, format="csr"))


def _count_block(columns: np.ndarray, offsets: np.ndarray, num_columns: int) -> sp.csr_matrix:
    num_rows = len(offsets) - 1
    rows = np.repeat(np.arange(num_rows, dtype=np.int64), np.diff(offsets))
    counted = columns >= 0
    keys, counts = np.unique(rows[counted] * num_columns + columns[counted], return_counts=True)
    indptr = np.searchsorted(keys, np.arange(num_rows + 1, dtype=np.int64) * num_columns)
    return sp.csr_matrix(
        (counts.astype(np.float64), (keys % num_columns).astype(np.int32), indptr), shape=(num_rows, num_columns)
    )


def learn_phrases(
    sequence: TokenSequence, vocabulary: list[str], *, min_count: int, threshold: float, delimiter: str
) -> FrozenPhrases:
    """gensim phrases (npmi scoring) learned from exact unigram and adjacent-pair counts of `sequence`.

    gensim itself scores the candidates: it gets the counts it would have collected, less the pairs seen
    fewer than `min_count` times (which npmi scores -inf anyway), and exports the phrases above `threshold`.
    """
    ids = sequence.ids
    keys = pair_keys(ids, len(vocabulary))[pairs_within_rows(sequence)]
    pairs, counts = np.unique(keys, return_counts=True)
    frequent = counts >= min_count
    unigrams = np.bincount(ids, minlength=len(vocabulary))
    vocab = {vocabulary[i]: int(unigrams[i]) for i in np.flatnonzero(unigrams)}
    for key, count in zip(pairs[frequent].tolist(), counts[frequent].tolist()):
        first, second = divmod(key, len(vocabulary))
        vocab[f"{vocabulary[first]}{delimiter}{vocabulary[second]}"] = count
    return phrases_from_counts(vocab, len(ids), min_count=min_count, threshold=threshold, delimiter=delimiter)


def phrases_from_counts(
    vocab: dict[str, int], word_count: int, *, min_count: int, threshold: float, delimiter: str
) -> FrozenPhrases:
    """gensim phrases scored from `vocab`: every word's count, then (in key order) every pair seen `min_count`
    times or more, its words joined by `delimiter`; counted here or by an engine that counts elsewhere."""
    model = Phrases(
        min_count=min_count, threshold=threshold, scoring="npmi", delimiter=delimiter, connector_words=frozenset()
    )
    model.vocab = vocab
    model.corpus_word_count = word_count
    return model.freeze()


def join_pairs(sequence: TokenSequence, pairs: np.ndarray, joined_ids: np.ndarray, num_types: int) -> TokenSequence:
    """Replace adjacent pairs whose key is in sorted `pairs` by `joined_ids`, left to right as gensim does:
    a word joined to the one before it cannot start another pair."""
    ids = sequence.ids
    if len(pairs) == 0 or len(ids) < 2:
        return sequence
    keys = pair_keys(ids, num_types)
    slot = np.minimum(np.searchsorted(pairs, keys), len(pairs) - 1)
    is_pair = (pairs[slot] == keys) & pairs_within_rows(sequence)
    # In a run of consecutive joinable pairs, the 1st, 3rd, 5th ... are joined.
    position = np.arange(len(keys))
    run_start = is_pair & ~np.concatenate(([False], is_pair[:-1]))
    first_of_run = np.maximum.accumulate(np.where(run_start, position, 0))
    joined = np.flatnonzero(is_pair & ((position - first_of_run) % 2 == 0))
    out = ids.copy()
    out[joined] = joined_ids[slot[joined]]
    keep = np.ones(len(ids), dtype=bool)
    keep[joined + 1] = False
    removed = np.bincount(np.searchsorted(sequence.offsets, joined, side="right") - 1, minlength=len(sequence))
    offsets = sequence.offsets - np.concatenate(([0], np.cumsum(removed)))
    return TokenSequence(ids=out[keep], offsets=offsets)


def match_terms(
    sequence: TokenSequence, column_of_id: np.ndarray, phrases: dict[tuple[int, ...], int], num_columns: int
) -> sp.csr_matrix:
    """Rows x columns counts of terms found greedily left to right, the longest phrase first at each position;
    the words of a matched phrase are not counted again on their own."""
    ids = sequence.ids
    columns = column_of_id[ids].astype(np.int64)
    if phrases and len(ids) > 1:
        num_types = len(column_of_id)
        prefixes = np.unique(np.array([p[0] * num_types + p[1] for p in phrases], dtype=np.int64))
        within = pairs_within_rows(sequence)
        candidates = np.flatnonzero(within & np.isin(pair_keys(ids, num_types), prefixes))
        row_ends = sequence.offsets[np.searchsorted(sequence.offsets, candidates, side="right")]
        sizes = sorted({len(p) for p in phrases}, reverse=True)
        covered_until = -1
        for start, row_end in zip(candidates.tolist(), row_ends.tolist()):
            if start < covered_until:
                continue
            for size in sizes:
                column = phrases.get(tuple(ids[start : start + size].tolist())) if start + size <= row_end else None
                if column is not None:
                    columns[start] = column
                    columns[start + 1 : start + size] = -1
                    covered_until = start + size
                    break
    return count_matrix(columns, sequence.offsets, num_columns)
