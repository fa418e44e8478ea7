"""Topic model quality, one function per metric, computed the same way for every model the tool fits.

Coherence follows Röder et al. (2015) with gensim's conventions (window sizes, epsilon, segmentations), but the
co-occurrence counts come from our own `Reference`: gensim's sliding-window accumulator loses a word from a
window when an earlier copy of it slides out (texts "a a b", window 2: it finds no window holding both a and b),
and paragraphs repeat words all the time. Counting once per reference corpus also lets a sweep score every fit
from the same counts. tests/test_metrics.py checks our figures against gensim's CoherenceModel on texts without
repeated words, where the two must agree, and against hand counts where they do not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

EPSILON = 1e-12  # gensim's, so that pairs never seen together stay finite
C_NPMI_WINDOW = 10
C_V_WINDOW = 110
Bow = list[tuple[int, int]]


@dataclass(frozen=True)
class Reference:
    """Boolean windows x terms matrices of the reference texts: one per sliding-window size, and whole texts (0)."""

    occurrences: dict[int, sp.csc_matrix]


def reference_corpus(
    texts: Sequence[Sequence[str]], token2id: dict[str, int], windows: Sequence[int] = (C_NPMI_WINDOW, C_V_WINDOW)
) -> Reference:
    """Windows slide one token at a time over each text (positions of unknown tokens count); a shorter text is one window."""
    ids = [np.array([token2id.get(token, -1) for token in text], dtype=np.int64) for text in texts]
    num_terms = len(token2id)
    return Reference({size: _window_matrix(ids, num_terms, size) for size in (0, *windows)})


def _window_matrix(texts: list[np.ndarray], num_terms: int, size: int) -> sp.csc_matrix:
    blocks = [
        np.lib.stride_tricks.sliding_window_view(ids, size) if size and len(ids) > size else ids[None, :]
        for ids in texts
    ]
    if not blocks:
        return sp.csc_matrix((0, num_terms))
    offsets = np.cumsum([0] + [len(b) for b in blocks])
    rows = np.concatenate([np.repeat(np.arange(o, o + len(b)), b.shape[1]) for o, b in zip(offsets, blocks)])
    cols = np.concatenate([b.ravel() for b in blocks])
    known = cols >= 0
    matrix = sp.csc_matrix((np.ones(int(known.sum())), (rows[known], cols[known])), shape=(int(offsets[-1]), num_terms))
    matrix.data[:] = 1.0  # a window holds a word or not, however often
    return matrix


def _counts(reference: Reference, size: int, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Occurrences per term, co-occurrences per pair (diagonal = occurrences) and the number of windows."""
    sub = reference.occurrences[size][:, ids]
    co = np.asarray((sub.T @ sub).todense())
    return np.diag(co).copy(), co, sub.shape[0]


def _npmi(occurrences: np.ndarray, co: np.ndarray, n_windows: int) -> np.ndarray:
    joint = co / n_windows + EPSILON
    single = occurrences / n_windows
    return np.log(joint / np.outer(single, single)) / -np.log(joint)


def c_npmi(top_ids: np.ndarray, reference: Reference) -> np.ndarray:
    """Per topic: mean normalized PMI of its top-term pairs, counted in 10-token windows (-1..1)."""
    scores = []
    for ids in top_ids:
        npmi = _npmi(*_counts(reference, C_NPMI_WINDOW, ids))
        scores.append(npmi[np.triu_indices(len(ids), 1)].mean())
    return np.array(scores)


def c_v(top_ids: np.ndarray, reference: Reference) -> np.ndarray:
    """Per topic: mean cosine between each top term's NPMI vector and the whole set's (110-token windows)."""
    scores = []
    for ids in top_ids:
        npmi = _npmi(*_counts(reference, C_V_WINDOW, ids))
        whole = npmi.sum(axis=0)
        norms = np.linalg.norm(npmi, axis=1) * np.linalg.norm(whole)
        cosine = np.divide(npmi @ whole, norms, out=np.zeros(len(ids)), where=norms > 0)
        scores.append(cosine.mean())
    return np.array(scores)


def u_mass(top_ids: np.ndarray, reference: Reference) -> np.ndarray:
    """Per topic: mean log P(w_i | w_j) over pairs j < i in rank order, counted in whole paragraphs (<= 0)."""
    scores = []
    for ids in top_ids:
        occurrences, co, n = _counts(reference, 0, ids)
        later, earlier = np.tril_indices(len(ids), -1)
        scores.append(np.log((co[later, earlier] / n + EPSILON) / (occurrences[earlier] / n)).mean())
    return np.array(scores)


def top_term_ids(topic_term: np.ndarray, n: int) -> np.ndarray:
    """topics x n term ids, most probable first; ties go to the lower id so every run lists the same terms."""
    return np.array([np.lexsort((np.arange(len(row)), -row))[:n] for row in topic_term])


def topic_diversity(top_ids: np.ndarray) -> float:
    """Share of distinct terms among all topics' top terms (1 = no topic repeats another's top terms)."""
    return len(np.unique(top_ids)) / top_ids.size


def exclusivity(topic_term: np.ndarray, top_ids: np.ndarray) -> float:
    """Mean over topics and their top terms of p(w|k) / sum_j p(w|j): 1 = each top term belongs to one topic."""
    share = topic_term / topic_term.sum(axis=0, keepdims=True)
    return float(np.mean([share[k, ids] for k, ids in enumerate(top_ids)]))


def completion_split(token_ids: Sequence[Sequence[int]]) -> tuple[list[Bow], list[Bow]]:
    """Document completion: a paragraph's tokens alternate between an observed half and an evaluated half."""
    return [_bow(ids[0::2]) for ids in token_ids], [_bow(ids[1::2]) for ids in token_ids]


def _bow(ids: Sequence[int]) -> Bow:
    return sorted(Counter(ids).items())


def heldout_perplexity(model, observed: list[Bow], evaluated: list[Bow]) -> float:
    """exp(-mean log-likelihood per evaluated token), each paragraph's mixture inferred from its observed half.

    Not gensim's log_perplexity: its bound adds the whole topic-term prior term unscaled (and assumes a scalar
    eta), which swamps a small held-out set and gives "perplexities" below 1.
    """
    n_tokens = sum(count for bow in evaluated for _, count in bow)
    if not n_tokens:
        return float("nan")
    gamma, _ = model.inference(observed)
    theta = gamma / gamma.sum(axis=1, keepdims=True)
    topic_term = model.get_topics()
    log_likelihood = 0.0
    for mixture, bow in zip(theta, evaluated):
        if bow:
            ids, counts = np.array(bow).T
            log_likelihood += counts @ np.log(mixture @ topic_term[:, ids])
    return float(np.exp(-log_likelihood / n_tokens))


def topic_similarity(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """topics x topics cosine similarity of two models' topic-term distributions."""
    a = first / np.linalg.norm(first, axis=1, keepdims=True)
    b = second / np.linalg.norm(second, axis=1, keepdims=True)
    return a @ b.T


def match_topics(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hungarian matching: matched[k] = the topic of `second` paired with topic k of `first`, and their similarity."""
    similarity = topic_similarity(first, second)
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    matched = cols[np.argsort(rows)]
    return matched, similarity[np.arange(len(matched)), matched]


def replicate_stability(topic_terms: Sequence[np.ndarray]) -> np.ndarray:
    """Per replicate: mean best-match similarity of its topics with every other replicate's (NaN for one)."""
    n = len(topic_terms)
    pair = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(i + 1, n):
            pair[i, j] = pair[j, i] = match_topics(topic_terms[i], topic_terms[j])[1].mean()
    if n < 2:
        return np.full(n, np.nan)
    return np.nanmean(pair, axis=1)
