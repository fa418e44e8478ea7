"""Diff: what changed between two runs -- document profiles, per-theme means, matched topics, settings.

Pure functions over the run folders' tables (documents.csv, topics.csv) and their config.toml; reading the
folders is pipeline/store/read.py's job and writing the CSVs pipeline/commands/diff.py's.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from pipeline.commands.similarity import pairwise_similarity

def weight_changes(documents_a: pd.DataFrame, documents_b: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Documents in both runs (A's order): total variation between their profiles and each label's change B - A.

    A label only one run has weighs 0 in the other.
    """
    a = documents_a.set_index("doc_id").reindex(columns=labels, fill_value=0.0)
    b = documents_b.set_index("doc_id").reindex(columns=labels, fill_value=0.0)
    shared = [doc_id for doc_id in a.index if doc_id in b.index]
    change = b.loc[shared, labels].to_numpy(dtype=np.float64) - a.loc[shared, labels].to_numpy(dtype=np.float64)
    frame = pd.DataFrame(change, columns=labels)
    frame.insert(0, "total_variation", 0.5 * np.abs(change).sum(axis=1))
    frame.insert(0, "title", documents_a.set_index("doc_id").loc[shared, "title"].to_numpy())
    frame.insert(0, "doc_id", shared)
    return frame


def theme_changes(
    documents_a: pd.DataFrame, documents_b: pd.DataFrame, changes: pd.DataFrame, labels: list[str]
) -> pd.DataFrame:
    """Per label over the shared documents: mean weight in A and B, mean change, mean |change|, the largest one."""
    shared = changes["doc_id"]
    a = documents_a.set_index("doc_id").reindex(columns=labels, fill_value=0.0).loc[shared]
    b = documents_b.set_index("doc_id").reindex(columns=labels, fill_value=0.0).loc[shared]
    rows = []
    for label in labels:
        absolute = changes[label].abs().to_numpy()
        largest = int(np.argmax(absolute)) if len(absolute) and absolute.max() > 0 else None
        rows.append(
            {
                "theme": label,
                "mean_a": float(a[label].mean()),
                "mean_b": float(b[label].mean()),
                "mean_change": float(changes[label].mean()),
                "mean_abs_change": float(absolute.mean()) if len(absolute) else float("nan"),
                "max_abs_change": float(absolute.max()) if len(absolute) else float("nan"),
                "max_change_doc": str(shared.iloc[largest]) if largest is not None else "",
            }
        )
    return pd.DataFrame(rows)


def common_vocabulary(
    terms_a: list[str], topic_term_a: np.ndarray, terms_b: list[str], topic_term_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Both topic-term matrices over the union of the two vocabularies (a term one run lacks has probability 0)."""
    union = sorted(set(terms_a) | set(terms_b))
    column = {term: j for j, term in enumerate(union)}

    def spread(terms: list[str], matrix: np.ndarray) -> np.ndarray:
        wide = np.zeros((matrix.shape[0], len(union)))
        wide[:, [column[t] for t in terms]] = matrix
        return wide

    return spread(terms_a, topic_term_a), spread(terms_b, topic_term_b)


def match_topics(topic_term_a: np.ndarray, topic_term_b: np.ndarray, metric: str) -> list[tuple[int, int, float]]:
    """Hungarian alignment: the one-to-one pairing of A's and B's topics with the largest total similarity."""
    similarity = pairwise_similarity(topic_term_a, topic_term_b, metric)
    rows, columns = linear_sum_assignment(similarity, maximize=True)
    return [(int(i), int(j), float(similarity[i, j])) for i, j in zip(rows, columns)]


def topic_matches_table(
    topics_a: pd.DataFrame, topics_b: pd.DataFrame, matches: list[tuple[int, int, float]]
) -> pd.DataFrame:
    """One row per topic of A (its match in B, or none), then B's unmatched topics."""
    match_of = {i: (j, s) for i, j, s in matches}
    matched_b = {j for _, j, _ in matches}
    rows = []
    for i in range(len(topics_a)):
        j, similarity = match_of.get(i, (None, float("nan")))
        rows.append(_topic_row(topics_a.iloc[i], topics_b.iloc[j] if j is not None else None, similarity))
    for j in range(len(topics_b)):
        if j not in matched_b:
            rows.append(_topic_row(None, topics_b.iloc[j], float("nan")))
    frame = pd.DataFrame(rows)
    for column in ("topic_a", "topic_b"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _topic_row(a: pd.Series | None, b: pd.Series | None, similarity: float) -> dict:
    return {
        "topic_a": None if a is None else int(a["topic"]),
        "theme_a": "" if a is None else a["theme"],
        "topic_b": None if b is None else int(b["topic"]),
        "theme_b": "" if b is None else b["theme"],
        "similarity": similarity,
        "same_theme": a is not None and b is not None and a["theme"] == b["theme"],
        "top_terms_a": "" if a is None else a["top_terms"],
        "top_terms_b": "" if b is None else b["top_terms"],
    }


def config_changes(config_a: dict, config_b: dict) -> pd.DataFrame:
    """Every dotted config key whose value differs between the runs, with both values as TOML-like text."""
    flat_a, flat_b = _flatten(config_a), _flatten(config_b)
    keys = sorted(set(flat_a) | set(flat_b))
    rows = [
        {"key": key, "value_a": _show(flat_a.get(key)), "value_b": _show(flat_b.get(key))}
        for key in keys
        if flat_a.get(key) != flat_b.get(key)
    ]
    return pd.DataFrame(rows, columns=["key", "value_a", "value_b"])


def _flatten(config: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in config.items():
        if isinstance(value, dict) and value:
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _show(value) -> str:
    # JSON spells strings, numbers, booleans and arrays the way TOML does.
    return "" if value is None else json.dumps(value, ensure_ascii=False)
