"""`themes compare`: documents of one run compared by theme, as tables a reader can check against the text.

Three views of a run folder, each a set of CSVs written into RUN_DIR/compare/:
- all documents: similarity.csv (document x document), nearest.csv, distinctive.csv, similarity.json;
- two documents (`docs`): <A>-vs-<B>/profile.csv and <A>-vs-<B>/evidence.csv (supporting paragraphs with offsets);
- groups (`by`, a documents.csv column or metadata key, optionally :year/:month/:decade): groups-<by>.csv.
The arithmetic lives in pipeline/commands/similarity.py; this module loads, names and writes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

import pandas as pd
from rich.table import Table

from pipeline.store.artifacts import write_files
from pipeline.store.manifest import write_folder_manifest
from pipeline.errors import ConfigError, InputError
from pipeline.store.read import RunTables, load_run
from pipeline.commands import similarity as stage

# documents.csv columns that are per-document numbers or term lists, never a sensible grouping.
NOT_GROUPABLE = frozenset({"n_paragraphs", "n_tokens", "top_terms"})
SCREEN_TEXT_CHARS = 400


@dataclass(frozen=True)
class Comparison:
    """What one `themes compare` computed: `tables` maps each output file (relative to compare/) to its frame."""

    run: RunTables
    kind: str  # "documents", "pair" or "groups"
    tables: dict[str, pd.DataFrame]
    notes: dict

    def __getitem__(self, name: str) -> pd.DataFrame:
        """A table by file name ("similarity.csv") or stem ("similarity", "profile")."""
        for key, frame in self.tables.items():
            if name in (key, PurePath(key).name, PurePath(key).stem):
                return frame
        raise KeyError(f"{name!r}: this comparison has {', '.join(self.tables)}")


def compare(
    run_dir: Path | str,
    *,
    metric: str = "hellinger",
    docs: tuple[str, ...] | list[str] = (),
    by: str = "",
    top: int = 3,
    paragraphs: int = 2,
    min_weight: float = 0.1,
) -> Comparison:
    """Compare the documents of a run folder: all of them (default), two (`docs`), or groups (`by`)."""
    if docs and by:
        raise ConfigError("--doc and --by: give one of them (two documents, or a grouping)")
    if top < 1 or paragraphs < 1:
        raise ConfigError(f"--top {top} / --paragraphs {paragraphs}: both must be at least 1")
    if not 0 <= min_weight <= 1:
        raise ConfigError(f"--min-weight {min_weight}: expected a weight from 0 to 1")
    run = load_run(Path(run_dir))
    if docs:
        return compare_pair(run, list(docs), themes=top, paragraphs=paragraphs, min_weight=min_weight)
    if by:
        return compare_groups(run, by)
    return compare_documents(run, stage.resolve_metric(metric), top=top)


def compare_documents(run: RunTables, metric: str, top: int) -> Comparison:
    """Similarity of every pair of documents, each document's nearest ones and its most distinctive themes."""
    documents = run.documents
    similarity = stage.similarity_table(documents, run.labels, metric)
    mean = stage.corpus_mean(documents, run.labels)
    notes = {
        "run_id": run.run_id,
        "metric": metric,
        "similarity": f"1 - {metric} distance" if metric != "cosine" else "cosine similarity",
        "profile_columns": run.labels,
        "n_documents": len(documents),
        "corpus_mean": {label: round(float(mean[label]), 8) for label in run.labels},
    }
    tables = {
        "similarity.csv": similarity,
        "nearest.csv": stage.nearest_table(similarity, top),
        "distinctive.csv": stage.distinctive_table(documents, run.themes, mean),
    }
    return Comparison(run=run, kind="documents", tables=tables, notes=notes)


def compare_pair(run: RunTables, docs: list[str], themes: int, paragraphs: int, min_weight: float = 0.1) -> Comparison:
    """Two documents' profiles side by side and, for the themes they differ on most, each one's best paragraphs.

    A paragraph weighing less than `min_weight` on a theme is no evidence for it, so a document may cite none.
    """
    if len(docs) != 2:
        raise ConfigError(f"--doc: give exactly two documents (got {len(docs)})")
    a, b = (find_document(run, wanted) for wanted in docs)
    if a == b:
        raise ConfigError(f"--doc {docs[0]} --doc {docs[1]}: both name document '{a}'; give two different ones")
    rows = run.documents.set_index("doc_id")
    profile = stage.pair_profile(rows.loc[a], rows.loc[b], run.labels, stage.corpus_mean(run.documents, run.labels))
    differing = profile.dropna(subset=["rank"]).sort_values("rank")["theme"].head(themes).tolist()
    evidence = pd.concat(
        [
            stage.supporting_paragraphs(run.paragraphs, doc_id, theme, paragraphs, min_weight).assign(side=side)
            for theme in differing
            for side, doc_id in (("a", a), ("b", b))
        ],
        ignore_index=True,
    )
    evidence = evidence[["theme", "side", *[c for c in evidence.columns if c not in ("theme", "side")]]]
    folder = f"{a}-vs-{b}"
    notes = {"run_id": run.run_id, "a": a, "b": b, "title_a": rows.loc[a, "title"], "title_b": rows.loc[b, "title"],
             "min_weight": min_weight}
    tables = {f"{folder}/profile.csv": profile, f"{folder}/evidence.csv": evidence}
    return Comparison(run=run, kind="pair", tables=tables, notes=notes | {"themes": differing})


def compare_groups(run: RunTables, by: str) -> Comparison:
    """Mean theme weights per value of a documents.csv column (or metadata key), with the documents behind each."""
    name, _, part = by.partition(":")
    column = group_column(run, name.strip())
    groups = stage.group_values(run.documents[column], part.strip().lower(), by)
    table = stage.group_table(run.documents, run.labels, groups)
    # statsmodels is loaded for the intervals only, so `import pipeline.commands.compare` stays light.
    from pipeline.commands.effects.groups import group_intervals

    table = table.merge(group_intervals(run, groups), on="group", how="left")
    slug = re.sub(r"[^A-Za-z0-9_]+", "-", f"{column}-{part}" if part else column).strip("-")
    notes = {"run_id": run.run_id, "by": by, "column": column}
    return Comparison(run=run, kind="groups", tables={f"groups-{slug}.csv": table}, notes=notes)


def find_document(run: RunTables, wanted: str) -> str:
    """The doc_id equal to `wanted`, else the one doc_id starting with it; a one-line error otherwise."""
    ids = run.documents["doc_id"].tolist()
    if wanted in ids:
        return wanted
    matches = [doc_id for doc_id in ids if doc_id.startswith(wanted)] if wanted else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = ", ".join(matches[:5]) + (", ..." if len(matches) > 5 else "")
        raise InputError(f"--doc {wanted}: matches {len(matches)} documents of {run.path} ({shown}); be more specific")
    shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
    raise InputError(f"--doc {wanted}: no such doc_id in {run.path / 'documents.csv'} ({shown})")


def group_column(run: RunTables, name: str) -> str:
    """`name` as a documents.csv column, or `meta_<name>`; a one-line error listing the columns that can group."""
    allowed = [c for c in run.documents.columns if c not in run.labels and c not in NOT_GROUPABLE]
    for candidate in (name, f"meta_{name}"):
        if candidate in allowed:
            return candidate
    raise ConfigError(f"--by {name}: not a documents.csv column; group by one of {', '.join(allowed)}")


def write_comparison(comparison: Comparison, out_dir: Path | None = None) -> list[Path]:
    """Write the comparison's CSVs (and similarity.json for the all-documents view) into RUN_DIR/compare/."""
    files: dict[str, pd.DataFrame | str] = dict(comparison.tables)
    if comparison.kind == "documents":
        files["similarity.json"] = json.dumps(comparison.notes, indent=2, ensure_ascii=False) + "\n"
    folder = Path(out_dir) if out_dir else comparison.run.path / "compare"
    written = write_files(folder, files)
    write_folder_manifest(folder, "themes compare")
    return written


# ----------------------------------------------------------------------------------------------------- display


def comparison_report(comparison: Comparison) -> list[Table | str]:
    """What `themes compare` prints for each kind of comparison."""
    views = {"documents": _documents_report, "pair": _pair_report, "groups": _groups_report}
    return views[comparison.kind](comparison)


def _documents_report(comparison: Comparison) -> list[Table | str]:
    nearest, distinctive = comparison["nearest"], comparison["distinctive"]
    notes = comparison.notes
    table = Table(
        title=f"{notes['n_documents']} documents: nearest by {notes['similarity']}; themes most above the corpus mean",
        title_justify="left",
    )
    for name in ("document", "nearest (similarity)", "distinctive (weight - corpus mean)"):
        table.add_column(name, overflow="fold")
    neighbors = nearest.groupby("doc_id", sort=False)
    above = distinctive[distinctive["difference"] > 0].groupby("doc_id", sort=False)
    top = int(nearest["rank"].max()) if len(nearest) else 0
    for doc_id, title in zip(comparison.run.documents["doc_id"], comparison.run.documents["title"]):
        near = neighbors.get_group(doc_id) if doc_id in neighbors.groups else nearest.iloc[0:0]
        themes = above.get_group(doc_id).head(top) if doc_id in above.groups else distinctive.iloc[0:0]
        table.add_row(
            f"{doc_id}: {_short(title, 60)}",
            "\n".join(f"{row.neighbor_id} ({row.similarity:.3f})" for row in near.itertuples()),
            "\n".join(f"{row.theme} {row.difference:+.3f}" for row in themes.itertuples()) or "(none above the mean)",
        )
    return [table]


def _pair_report(comparison: Comparison) -> list[Table | str]:
    notes = comparison.notes
    profile, evidence = comparison["profile"], comparison["evidence"]
    header = f"A = {notes['a']}: {_short(notes['title_a'], 100)}\nB = {notes['b']}: {_short(notes['title_b'], 100)}"
    table = Table(title="Theme profiles (document weights)", title_justify="left")
    for name in ("theme", "A", "B", "A - B", "corpus mean", "rank"):
        table.add_column(name, justify="left" if name == "theme" else "right")
    for row in profile.itertuples():
        rank = "" if pd.isna(row.rank) else str(row.rank)
        table.add_row(row.theme, *(f"{v:.3f}" for v in (row.weight_a, row.weight_b)), f"{row.difference:+.3f}",
                      f"{row.corpus_mean:.3f}", rank)
    out: list[Table | str] = [header, table]
    weights = profile.set_index("theme")
    for theme in notes["themes"]:
        diff = weights.loc[theme, "difference"]
        paragraphs = Table(
            title=f"{theme}: A {weights.loc[theme, 'weight_a']:.3f} vs B {weights.loc[theme, 'weight_b']:.3f} "
            f"({diff:+.3f}); top paragraphs of each",
            title_justify="left",
        )
        for name in ("doc", "¶", "start:end", "weight", "text"):
            paragraphs.add_column(name, overflow="fold", justify="right" if name == "weight" else "left")
        cited = evidence[evidence["theme"] == theme]
        for row in cited.itertuples():
            paragraphs.add_row(row.side.upper(), str(row.paragraph), f"{row.start}:{row.end}", f"{row.weight:.3f}",
                               _short(row.text, SCREEN_TEXT_CHARS))
        for side in ("a", "b"):
            if not (cited["side"] == side).any():
                paragraphs.add_row(side.upper(), "", "", "", f"(no paragraph weighs {notes['min_weight']:g} or more)")
        out.append(paragraphs)
    return out


def _groups_report(comparison: Comparison) -> list[Table | str]:
    (name, groups), = comparison.tables.items()
    labels = comparison.run.labels
    table = Table(title=f"Mean document theme weights (%) by {comparison.notes['by']}", title_justify="left")
    table.add_column("group", no_wrap=True)
    table.add_column("docs", justify="right")
    for label in labels:
        # Folded, not cut: with many themes on a narrow screen a header must stay readable.
        table.add_column(label, justify="right", overflow="fold", min_width=4)
    for _, row in groups.iterrows():
        table.add_row(row["group"] or "(missing)", str(row["n_documents"]),
                      *("" if pd.isna(row[label]) else f"{100 * row[label]:.1f}" for label in labels))
    empty = int(groups["n_documents_empty"].sum())
    notes = [f"90% intervals of each mean (measurement and sampling uncertainty; none for a group of one "
             f"document): <theme>_lo, <theme>_hi in {name}"]
    if empty:
        notes.append(f"{empty} document(s) without kept paragraphs left out (n_documents_empty in {name})")
    return [table, *notes]


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
