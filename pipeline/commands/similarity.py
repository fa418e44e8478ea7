"""Compare: similarity of theme profiles, nearest documents, distinctive themes, group means, pairs.

Pure functions over arrays and DataFrames in the run folder's schemas (documents.csv, paragraphs.csv,
topics.csv); reading run folders is pipeline/store/read.py's job and writing CSVs pipeline/commands/compare.py's.
Two runs' differences (`themes diff`) are in run_changes.py. Every similarity is in [0, 1] with 1 = identical profiles: Hellinger and Jensen-Shannon are turned into
similarities as 1 - distance, so one reading (and one sort order) fits every metric.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from pipeline.errors import ConfigError
from pipeline.stages.weigh import OTHER

_DATE = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2}))?(?:-\d{2})?$")
DATE_PARTS = ("year", "month", "decade")


def _distributions(x: np.ndarray) -> np.ndarray:
    """Rows rescaled to sum to 1 (CSV rounding leaves them a hair off); all-zero rows stay zero."""
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, None)
    sums = x.sum(axis=1, keepdims=True)
    return np.divide(x, sums, out=np.zeros_like(x), where=sums > 0)


def hellinger_similarity(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1 - Hellinger distance between the rows of x and of y (distance = |sqrt p - sqrt q| / sqrt 2)."""
    return 1.0 - cdist(np.sqrt(_distributions(x)), np.sqrt(_distributions(y)), "euclidean") / math.sqrt(2.0)


def jensen_shannon_similarity(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1 - Jensen-Shannon distance in base 2 (scipy's is in nats, so at most sqrt(ln 2): rescaled to [0, 1])."""
    return 1.0 - cdist(_distributions(x), _distributions(y), "jensenshannon") / math.sqrt(math.log(2.0))


def cosine_similarity(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cosine of the angle between weight vectors (non-negative, so in [0, 1])."""
    return 1.0 - cdist(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), "cosine")


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "hellinger": hellinger_similarity,
    "jensen_shannon": jensen_shannon_similarity,
    "cosine": cosine_similarity,
}


def resolve_metric(name: str) -> str:
    """A metric name as given ("jensen-shannon" too) -> its key in METRICS, or a one-line error listing them."""
    key = name.strip().lower().replace("-", "_")
    if key not in METRICS:
        raise ConfigError(f"--metric {name!r}: expected one of {', '.join(METRICS)}")
    return key


def pairwise_similarity(x: np.ndarray, y: np.ndarray, metric: str) -> np.ndarray:
    """rows(x) x rows(y) similarities in [0, 1] (rounding below 0 or above 1 clipped)."""
    return np.clip(METRICS[metric](x, y), 0.0, 1.0)


def similarity_matrix(weights: np.ndarray, metric: str) -> np.ndarray:
    """Square, exactly symmetric similarities of the rows of `weights`, 1 on the diagonal."""
    similarity = pairwise_similarity(weights, weights, metric)
    # Each profile is identical to itself; averaging with the transpose removes float noise from argument order.
    similarity = (similarity + similarity.T) / 2.0
    np.fill_diagonal(similarity, 1.0)
    return similarity


# ------------------------------------------------------------------------------------- one run, all documents


def similarity_table(documents: pd.DataFrame, labels: list[str], metric: str) -> pd.DataFrame:
    """doc_id, title, then one column per doc_id: the similarity of the row's document to the column's."""
    similarity = similarity_matrix(documents[labels].to_numpy(), metric)
    frame = pd.DataFrame(similarity, columns=documents["doc_id"].tolist())
    frame.insert(0, "title", documents["title"].to_numpy())
    frame.insert(0, "doc_id", documents["doc_id"].to_numpy())
    return frame


def nearest_table(similarity: pd.DataFrame, top: int) -> pd.DataFrame:
    """For each document its `top` most similar other documents (ties: earlier document first)."""
    ids, titles = similarity["doc_id"].tolist(), similarity["title"].tolist()
    matrix = similarity[ids].to_numpy()
    rows = []
    for i, doc_id in enumerate(ids):
        order = [j for j in np.lexsort((np.arange(len(ids)), -matrix[i])) if j != i][:top]
        for rank, j in enumerate(order, start=1):
            rows.append(
                {
                    "doc_id": doc_id,
                    "title": titles[i],
                    "rank": rank,
                    "neighbor_id": ids[j],
                    "neighbor_title": titles[j],
                    "similarity": float(matrix[i, j]),
                }
            )
    return pd.DataFrame(rows, columns=["doc_id", "title", "rank", "neighbor_id", "neighbor_title", "similarity"])


def corpus_mean(documents: pd.DataFrame, labels: list[str]) -> pd.Series:
    """Mean theme profile of the documents that have kept paragraphs (one vote per document)."""
    profiled = documents[documents["n_paragraphs"] > 0] if "n_paragraphs" in documents else documents
    return (profiled if len(profiled) else documents)[labels].mean()


def distinctive_table(documents: pd.DataFrame, themes: list[str], mean: pd.Series) -> pd.DataFrame:
    """Long format: every (document, theme), ranked within the document by weight minus the corpus mean."""
    rows = []
    for _, doc in documents.iterrows():
        difference = np.array([doc[t] - mean[t] for t in themes], dtype=np.float64)
        for rank, j in enumerate(np.lexsort((np.arange(len(themes)), -difference)), start=1):
            theme = themes[j]
            rows.append(
                {
                    "doc_id": doc["doc_id"],
                    "title": doc["title"],
                    "rank": rank,
                    "theme": theme,
                    "weight": float(doc[theme]),
                    "corpus_mean": float(mean[theme]),
                    "difference": float(difference[j]),
                    "ratio": float(doc[theme] / mean[theme]) if mean[theme] > 0 else float("nan"),
                }
            )
    columns = ["doc_id", "title", "rank", "theme", "weight", "corpus_mean", "difference", "ratio"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------------------------- groups


def group_values(values: pd.Series, part: str, where: str) -> pd.Series:
    """The grouping key of each document: the value itself, or its year/month/decade when `part` is given."""
    values = values.astype(str).str.strip()
    if not part:
        return values
    if part not in DATE_PARTS:
        raise ConfigError(f"--by {where}: unknown part '{part}'; expected one of {', '.join(DATE_PARTS)}")
    parsed = values.str.extract(_DATE)
    if parsed["year"].isna().all() and (values != "").any():
        example = next(v for v in values if v)
        raise ConfigError(f"--by {where}: values are not dates (e.g. {example!r}); ':{part}' needs YYYY[-MM[-DD]]")
    if part == "year":
        return parsed["year"].fillna("")
    if part == "decade":
        return parsed["year"].map(lambda y: f"{y[:3]}0s", na_action="ignore").fillna("")
    # A date known only to the year has no month: it goes with the missing values rather than guess one.
    month = parsed["year"] + "-" + parsed["month"]
    return month.fillna("")


def group_table(documents: pd.DataFrame, labels: list[str], groups: pd.Series) -> pd.DataFrame:
    """Per group: documents behind the figures, their paragraphs and tokens, and the mean of their weights.

    Documents without kept paragraphs carry no theme evidence and are left out (see n_documents_empty).
    """
    has_text = documents["n_paragraphs"] > 0
    frame = documents.assign(group=groups.to_numpy(), _has_text=has_text.to_numpy())
    rows = []
    for group in _natural_order(frame["group"].unique()):
        members = frame[frame["group"] == group]
        profiled = members[members["_has_text"]]
        row = {
            "group": group,
            "n_documents": len(profiled),
            "n_documents_empty": len(members) - len(profiled),
            "n_paragraphs": int(profiled["n_paragraphs"].sum()),
            "n_tokens": int(profiled["n_tokens"].sum()) if "n_tokens" in profiled else 0,
        }
        row |= {label: float(profiled[label].mean()) if len(profiled) else float("nan") for label in labels}
        rows.append(row)
    return pd.DataFrame(rows, columns=["group", "n_documents", "n_documents_empty", "n_paragraphs", "n_tokens", *labels])


def _natural_order(values) -> list[str]:
    """Numbers in numeric order, then other values alphabetically, the missing value ("") last."""

    def key(value: str):
        number = _as_number(value)
        return (value == "", number is None, number if number is not None else 0.0, value)

    return sorted(values, key=key)


def _as_number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------- two documents


def pair_profile(doc_a: pd.Series, doc_b: pd.Series, labels: list[str], mean: pd.Series) -> pd.DataFrame:
    """The two profiles side by side (lexicon order); `rank` orders themes by |difference|, "other" unranked."""
    frame = pd.DataFrame(
        {
            "theme": labels,
            "weight_a": [float(doc_a[label]) for label in labels],
            "weight_b": [float(doc_b[label]) for label in labels],
            "corpus_mean": [float(mean[label]) for label in labels],
        }
    )
    frame.insert(3, "difference", frame["weight_a"] - frame["weight_b"])
    is_theme = (frame["theme"] != OTHER).to_numpy()
    rank: list[int | None] = [None] * len(frame)
    themes = np.flatnonzero(is_theme)
    order = np.lexsort((themes, -frame["difference"].abs().to_numpy()[themes]))
    for position, i in enumerate(themes[order], start=1):
        rank[i] = position
    frame["rank"] = pd.array(rank, dtype="Int64")
    return frame


def supporting_paragraphs(
    paragraphs: pd.DataFrame, doc_id: str, theme: str, top: int, min_weight: float = 0.0
) -> pd.DataFrame:
    """The `top` kept paragraphs of `doc_id` weighing most (and at least `min_weight`) on `theme`; ties: earlier first."""
    own = paragraphs[
        (paragraphs["doc_id"] == doc_id) & (paragraphs["status"] == "kept") & (paragraphs[theme] >= min_weight)
    ]
    order = np.lexsort((own["paragraph"].to_numpy(), -own[theme].to_numpy()))[:top]
    chosen = own.iloc[order]
    return pd.DataFrame(
        {
            "theme": theme,
            "doc_id": doc_id,
            "rank": np.arange(1, len(chosen) + 1),
            "paragraph": chosen["paragraph"].to_numpy(),
            "start": chosen["start"].to_numpy(),
            "end": chosen["end"].to_numpy(),
            "weight": chosen[theme].to_numpy(dtype=np.float64),
            "dominant_theme": chosen["dominant_theme"].to_numpy(),
            "source": chosen["source"].to_numpy(),
            "text": chosen["text"].to_numpy(),
        }
    )
