"""`themes diff`: what changed between two runs on the same corpus, per document, per theme and per topic.

Writes documents.csv (each shared document's change of every weight, B - A), themes.csv (mean changes),
topics.csv (Hungarian alignment of the two runs' topics on their topic-term distributions), config.csv (the
settings that differ) and summary.json into `--out` (default RUN_B/diff-<run A id>/).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.table import Table

from pipeline.store.artifacts import write_files
from pipeline.store.manifest import write_folder_manifest
from pipeline.store.audit import read_audit
from pipeline.errors import MismatchError
from pipeline.store.read import load_run, load_run_config, load_topic_terms
from pipeline.commands import run_changes
from pipeline.commands.similarity import resolve_metric
from pipeline.stages.weigh import OTHER


@dataclass(frozen=True)
class RunDiff:
    """The tables `write_diff` writes (file name -> frame) and the numbers of the one-screen summary."""

    run_a: Path
    run_b: Path
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]

    def __getitem__(self, name: str) -> pd.DataFrame:
        """A table by file name ("topics.csv") or stem ("topics")."""
        return self.tables[name if name.endswith(".csv") else f"{name}.csv"]


def diff(run_a: Path | str, run_b: Path | str, *, metric: str = "hellinger") -> RunDiff:
    """Compare run B with run A (same corpus): weight changes per document and theme, topic matches, config."""
    metric = resolve_metric(metric)
    a, b = load_run(Path(run_a)), load_run(Path(run_b))
    if not set(a.documents["doc_id"]) & set(b.documents["doc_id"]):
        raise MismatchError(
            f"{b.path}: shares no document with {a.path} (by doc_id); `themes diff` compares runs on the same corpus "
            "(use `themes compare` on each run to compare different corpora)"
        )
    labels = [label for label in dict.fromkeys([*a.labels, *b.labels]) if label != OTHER] + [OTHER]
    documents = run_changes.weight_changes(a.documents, b.documents, labels)
    themes = run_changes.theme_changes(a.documents, b.documents, documents, labels)
    topics_a, topics_b = load_topic_terms(a.path), load_topic_terms(b.path)
    matrix_a, matrix_b = run_changes.common_vocabulary(
        topics_a.terms, topics_a.topic_term, topics_b.terms, topics_b.topic_term
    )
    topics = run_changes.topic_matches_table(topics_a.topics, topics_b.topics, run_changes.match_topics(matrix_a, matrix_b, metric))
    config = run_changes.config_changes(load_run_config(a.path), load_run_config(b.path))
    tables = {"documents.csv": documents, "themes.csv": themes, "topics.csv": topics, "config.csv": config}
    summary = _summary(a.documents, b.documents, a.labels, b.labels, tables, metric)
    summary["lexicon_coverage"] = {"a": _coverage(a.path), "b": _coverage(b.path)}
    return RunDiff(run_a=a.path, run_b=b.path, tables=tables, summary={"run_a": a.run_id, "run_b": b.run_id} | summary)


def _coverage(run_dir: Path) -> dict[str, Any] | None:
    """The run's lexicon audit in brief: what changing K (or the lexicon) changes even when weights do not."""
    audit = read_audit(run_dir)
    if audit is None:
        return None
    return {
        "uncovered_topic_share": audit["uncovered_topic_share"],
        "n_uncovered_topics": len(audit["uncovered_topics"]),
        "n_topics": len(audit["topics"]),
    }


def _summary(
    documents_a: pd.DataFrame,
    documents_b: pd.DataFrame,
    labels_a: list[str],
    labels_b: list[str],
    tables: dict[str, pd.DataFrame],
    metric: str,
) -> dict[str, Any]:
    ids_a, ids_b = set(documents_a["doc_id"]), set(documents_b["doc_id"])
    changes, topics = tables["documents.csv"], tables["topics.csv"]
    matched = topics.dropna(subset=["topic_a", "topic_b"])
    # With no change at all there is no "largest" document to name.
    largest = int(np.argmax(changes["total_variation"])) if changes["total_variation"].gt(0).any() else None
    return {
        "n_documents": len(changes),
        "only_in_a": sorted(ids_a - ids_b),
        "only_in_b": sorted(ids_b - ids_a),
        "themes_only_in_a": [label for label in labels_a if label not in labels_b],
        "themes_only_in_b": [label for label in labels_b if label not in labels_a],
        "mean_total_variation": _number(changes["total_variation"].mean()),
        "max_total_variation": _number(changes["total_variation"].max()),
        "max_total_variation_doc": "" if largest is None else changes["doc_id"].iloc[largest],
        "topic_metric": metric,
        "n_topics_a": int(topics["topic_a"].notna().sum()),
        "n_topics_b": int(topics["topic_b"].notna().sum()),
        "n_topics_matched": len(matched),
        "mean_topic_similarity": _number(matched["similarity"].mean()),
        "min_topic_similarity": _number(matched["similarity"].min()),
        "n_topic_label_changes": int((~matched["same_theme"]).sum()),
        "config_changes": {row.key: [row.value_a, row.value_b] for row in tables["config.csv"].itertuples()},
    }


def _number(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 8)


def write_diff(run_diff: RunDiff, out_dir: Path | None = None) -> Path:
    """Write the tables and summary.json into `out_dir` (default RUN_B/diff-<run A id>/); return the folder."""
    folder = Path(out_dir) if out_dir else run_diff.run_b / f"diff-{run_diff.run_a.name}"
    summary = json.dumps(run_diff.summary, indent=2, ensure_ascii=False) + "\n"
    write_files(folder, {**run_diff.tables, "summary.json": summary})
    write_folder_manifest(folder, "themes diff")
    return folder


def diff_report(run_diff: RunDiff) -> list[Table | str]:
    """The one-screen summary `themes diff` prints."""
    s = run_diff.summary
    lines = [
        f"diff {s['run_a']} (A) -> {s['run_b']} (B): {s['n_documents']} documents in both, "
        f"{len(s['only_in_a'])} only in A, {len(s['only_in_b'])} only in B",
        _config_line(s["config_changes"]),
        f"document profiles: mean change {_show(s['mean_total_variation'])} (total variation, 0-1), largest "
        f"{_show(s['max_total_variation'])} ({s['max_total_variation_doc'] or '-'})",
    ]
    themes = Table(title="Mean theme weights over the shared documents; change = B - A", title_justify="left")
    for name in ("theme", "A", "B", "change", "mean |change|", "max |change|", "in document"):
        themes.add_column(name, justify="left" if name in ("theme", "in document") else "right")
    for row in run_diff["themes"].itertuples():
        themes.add_row(row.theme, f"{row.mean_a:.3f}", f"{row.mean_b:.3f}", f"{row.mean_change:+.3f}",
                       f"{row.mean_abs_change:.3f}", f"{row.max_abs_change:.3f}", row.max_change_doc or "-")
    topics_line = (
        f"topics: {s['n_topics_a']} in A, {s['n_topics_b']} in B, {s['n_topics_matched']} matched one to one "
        f"({s['topic_metric']} similarity mean {_show(s['mean_topic_similarity'])}, lowest "
        f"{_show(s['min_topic_similarity'])}); {s['n_topic_label_changes']} matched topic(s) changed theme"
    )
    coverage = s.get("lexicon_coverage", {})
    if coverage.get("a") and coverage.get("b"):
        a, b = coverage["a"], coverage["b"]
        topics_line += (
            f"\nlexicon coverage: topics no theme's seeds reach: {a['n_uncovered_topics']} of {a['n_topics']} in A "
            f"({a['uncovered_topic_share']:.0%} of topic mass), {b['n_uncovered_topics']} of {b['n_topics']} in B "
            f"({b['uncovered_topic_share']:.0%}); see each run's uncovered_topics.csv"
        )
    return [*lines, themes, topics_line, _topic_table(run_diff["topics"])]


def _topic_table(topics: pd.DataFrame) -> Table:
    table = Table(title="Topic matches (Hungarian alignment on topic-term distributions)", title_justify="left")
    for name in ("A topic", "A theme", "B topic", "B theme", "similarity"):
        table.add_column(name, justify="right" if name in ("A topic", "B topic", "similarity") else "left")
    for row in topics.itertuples():
        table.add_row(
            "" if pd.isna(row.topic_a) else str(row.topic_a), row.theme_a or "-",
            "" if pd.isna(row.topic_b) else str(row.topic_b), row.theme_b or "-",
            "" if pd.isna(row.similarity) else f"{row.similarity:.3f}",
        )
    return table


def _config_line(changes: dict[str, list[str]]) -> str:
    if not changes:
        return "config: identical"
    shown = "; ".join(f"{key} {a or '(none)'} -> {b or '(none)'}" for key, (a, b) in list(changes.items())[:8])
    more = f"; ... {len(changes) - 8} more in config.csv" if len(changes) > 8 else ""
    return f"config: {len(changes)} setting(s) differ: {shown}{more}"


def _show(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
