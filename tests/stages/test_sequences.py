"""pipeline/stages/sequences.py: numpy counts, phrases and term matching agree with the plain-Python (gensim) way."""

from __future__ import annotations

import random

import numpy as np
from gensim.models.phrases import Phrases

from pipeline.stages.sequences import BLOCK_POSITIONS, count_matrix, join_pairs, learn_phrases, match_terms
from pipeline.types import Tokenized


def random_corpus(seed: int, rows: int = 300) -> list[list[str]]:
    """Paragraphs over a small vocabulary with planted collocations ("new york", "human rights")."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(40)]
    corpus = []
    for _ in range(rows):
        row = []
        for _ in range(rng.randint(0, 12)):
            row += rng.choice([["new", "york"], ["human", "right"], [rng.choice(words)], [rng.choice(words)]])
        corpus.append(row)
    return corpus


def test_learned_and_joined_phrases_equal_gensim_phrases():
    for seed in range(3):
        corpus = random_corpus(seed)
        tokenized = Tokenized.from_lists(corpus)
        frozen = learn_phrases(tokenized.words, tokenized.vocabulary, min_count=3, threshold=0.3, delimiter="_")
        reference = Phrases(corpus, min_count=3, threshold=0.3, scoring="npmi", delimiter="_", connector_words=frozenset()).freeze()
        assert frozen.phrasegrams == reference.phrasegrams and "new_york" in frozen.phrasegrams
        combined = sorted({*tokenized.vocabulary, *frozen.phrasegrams})
        index = {t: i for i, t in enumerate(combined)}
        words = Tokenized.from_lists(corpus).words
        renumbered = type(words)(ids=np.array([index[tokenized.vocabulary[i]] for i in words.ids], dtype=np.int32), offsets=words.offsets)
        keys = {index[a] * len(combined) + index[b]: index[f"{a}_{b}"] for a, b in (p.split("_") for p in frozen.phrasegrams)}
        pairs = np.array(sorted(keys), dtype=np.int64)
        joined = join_pairs(renumbered, pairs, np.array([keys[k] for k in pairs.tolist()]), len(combined))
        as_lists = [[combined[i] for i in joined.row(r)] for r in range(len(joined))]
        assert as_lists == [reference[row] for row in corpus]


def test_count_matrix_counts_per_row_across_blocks(monkeypatch):
    monkeypatch.setattr("pipeline.stages.sequences.BLOCK_POSITIONS", 7)
    corpus = random_corpus(5, rows=40)
    tokenized = Tokenized.from_lists(corpus)
    matrix = count_matrix(tokenized.token_ids.ids, tokenized.token_ids.offsets, len(tokenized.vocabulary)).toarray()
    for r, row in enumerate(corpus):
        assert {tokenized.vocabulary[j]: c for j, c in enumerate(matrix[r]) if c} == {t: row.count(t) for t in row}
    assert BLOCK_POSITIONS > 7


def test_match_terms_takes_the_longest_phrase_first_and_never_crosses_paragraphs():
    corpus = [["rule", "law", "state", "rule"], ["law", "rule", "law", "state"], ["state"]]
    tokenized = Tokenized.from_lists(corpus)
    word = {w: i for i, w in enumerate(tokenized.vocabulary)}
    terms = ["rule", "law", "state", "rule_law", "rule_law_state"]
    column_of_word = np.full(len(word), -1)
    for j, t in enumerate(terms[:3]):
        column_of_word[word[t]] = j
    phrases = {(word["rule"], word["law"]): 3, (word["rule"], word["law"], word["state"]): 4}
    counts = match_terms(tokenized.words, column_of_word, phrases, len(terms)).toarray()
    assert counts.tolist() == [[1, 0, 0, 0, 1], [0, 1, 0, 0, 1], [0, 0, 1, 0, 0]]
