"""From a run's tables to the numbers each chart draws, and the charts themselves (file name -> SVG)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.report.charts import Series, SweepPanel, heatmap, similarity_matrix, stacked_bars, sweep_panels
from pipeline.report.files import RunArtifacts

# Sweep metrics (the `themes sweep` contract: columns of sweep.csv) and whether a higher value is better.
SWEEP_METRICS = {
    "c_v": True,
    "c_npmi": True,
    "u_mass": True,
    "diversity": True,
    "exclusivity": True,
    "perplexity": False,
    "stability": True,
}
MAX_PERIODS_BY_MONTH = 36

HEATMAP = "heatmap.svg"
DOCUMENT_BARS = "document_bars.svg"
THEMES_OVER_TIME = "themes_over_time.svg"
SWEEP = "sweep.svg"
SIMILARITY = "similarity.svg"


def display_name(theme: str) -> str:
    return theme.replace("_", " ")


def document_label(row: pd.Series) -> str:
    return row["title"] or row["doc_id"]


def shown_documents(documents: pd.DataFrame, limit: int) -> pd.DataFrame:
    """All documents, or the `limit` with most tokens (first ones on ties), kept in corpus order."""
    if len(documents) <= limit:
        return documents
    longest = documents.sort_values("n_tokens", ascending=False, kind="stable").head(limit)
    return documents.loc[sorted(longest.index)]


def token_weighted_shares(documents: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Theme shares of a set of documents, each weighted by its tokens (as document weights weight paragraphs)."""
    weights = documents[columns].to_numpy(dtype=float)
    tokens = documents["n_tokens"].to_numpy(dtype=float)
    if tokens.sum() <= 0:
        return weights.mean(axis=0)
    return tokens @ weights / tokens.sum()


def theme_periods(documents: pd.DataFrame) -> pd.Series:
    """Each dated document's period: "YYYY-MM", or "YYYY" when there would be too many months; undated dropped."""
    dates = documents["date"][documents["date"] != ""]
    months = dates.str[:7]
    return months if months.nunique() <= MAX_PERIODS_BY_MONTH else dates.str[:4]


def build_charts(run: RunArtifacts, colors: dict[str, str]) -> dict[str, str]:
    """Every chart the run's files allow, by file name, in the order the report shows them."""
    series = [Series(display_name(c), colors[c]) for c in run.columns]
    shown = shown_documents(run.documents, run.config.report.max_documents)
    charts = {
        HEATMAP: _heatmap(run, series, shown),
        DOCUMENT_BARS: _document_bars(run, series, shown),
        THEMES_OVER_TIME: _themes_over_time(run, series),
        SWEEP: sweep_chart(run.sweep),
        SIMILARITY: _similarity(run.similarity, shown),
    }
    return {name: svg for name, svg in charts.items() if svg is not None}


def _heatmap(run: RunArtifacts, series: list[Series], shown: pd.DataFrame) -> str:
    labels = [document_label(row) for _, row in shown.iterrows()]
    values = shown[run.columns].to_numpy(dtype=float)
    tips = [
        [f"{label}: {s.label} {values[i, j]:.1%}{_interval(shown.iloc[i], column)}" for j, (s, column) in
         enumerate(zip(series, run.columns))]
        for i, label in enumerate(labels)
    ]
    return heatmap(labels, series, values, tips, "Theme weights per document")


def _interval(row: pd.Series, column: str) -> str:
    """" (range 12%–18%)" when a multi-seed run wrote <theme>_lo / <theme>_hi, else ""."""
    lo, hi = row.get(f"{column}_lo"), row.get(f"{column}_hi")
    if lo is None or hi is None or lo == "" or hi == "":
        return ""
    return f" (range over seeds {float(lo):.1%}–{float(hi):.1%})"


def _document_bars(run: RunArtifacts, series: list[Series], shown: pd.DataFrame) -> str:
    labels = ["All documents"] + [document_label(row) for _, row in shown.iterrows()]
    shares = np.vstack([token_weighted_shares(run.documents, run.columns), shown[run.columns].to_numpy(dtype=float)])
    return stacked_bars(labels, series, shares, "Theme mix of each document", bold_rows=1)


def _themes_over_time(run: RunArtifacts, series: list[Series]) -> str | None:
    periods = theme_periods(run.documents)
    if periods.nunique() < 2:
        return None
    groups = run.documents.loc[periods.index].groupby(periods, sort=True)
    labels, shares = [], []
    for period, group in groups:
        labels.append(f"{period} · {len(group)} doc{'s' if len(group) != 1 else ''}")
        shares.append(token_weighted_shares(group, run.columns))
    return stacked_bars(labels, series, np.vstack(shares), "Theme mix over time")


def sweep_chart(sweep: pd.DataFrame | None) -> str | None:
    """Every sweep metric against K (fits as dots, per-K aggregates as a line), the recommended K marked."""
    if sweep is None:
        return None
    kind = sweep["kind"].astype(str)
    fits, per_k = sweep[kind == "fit"], sweep[kind == "k"]
    panels = []
    for metric, higher_is_better in SWEEP_METRICS.items():
        if metric not in sweep.columns:
            continue
        fit_points = _points(fits, metric)
        trend = _points(per_k, metric) or _mean_per_k(fit_points)
        if fit_points or trend:
            panels.append(SweepPanel(metric, higher_is_better, fit_points, trend))
    if not panels:
        return None
    recommended = None
    if "recommended" in sweep.columns:
        chosen = per_k[per_k["recommended"].astype(str).str.lower() == "true"]
        recommended = float(chosen["k"].iloc[0]) if len(chosen) else None
    return sweep_panels(panels, recommended, "Model quality against the number of topics K")


def _points(frame: pd.DataFrame, metric: str) -> list[tuple[float, float]]:
    values = pd.to_numeric(frame[metric], errors="coerce")
    keep = values.notna() & np.isfinite(values)
    return sorted(zip(frame["k"][keep].astype(float), values[keep].astype(float)))


def _mean_per_k(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    by_k: dict[float, list[float]] = {}
    for k, v in points:
        by_k.setdefault(k, []).append(v)
    return [(k, float(np.mean(vs))) for k, vs in sorted(by_k.items())]


def _similarity(similarity: pd.DataFrame | None, shown: pd.DataFrame) -> str | None:
    if similarity is None:
        return None
    ids = [d for d in shown["doc_id"] if d in similarity.index and d in similarity.columns]
    if not ids:
        return None
    title_of = dict(zip(shown["doc_id"], (document_label(row) for _, row in shown.iterrows())))
    matrix = similarity.loc[ids, ids].to_numpy(dtype=float)
    return similarity_matrix([title_of[d] for d in ids], matrix, "Document similarity")
