"""Reading what the report shows from a run folder (and a sweep folder), and writing the report back into it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.store import artifacts
from pipeline.store.manifest import update_output_hashes
from pipeline.store.audit import read_audit
from pipeline.config import Config
from pipeline.config_files import load_config
from pipeline.errors import InputError, PipelineError
from pipeline.store.read import PARAGRAPH_COLUMNS, RunTables, load_run, read_run_csv, read_run_csv_parts
from pipeline.stages.weigh import OTHER

REPORT_FILE = "report.html"
CHARTS_DIR = "charts"
STABILITY_FILE = "theme_stability.csv"
SIMILARITY_FILE = Path("compare") / "similarity.csv"
SWEEP_FILE = "sweep.csv"
EFFECT_CHARTS_DIR = Path("effects") / "charts"


@dataclass(frozen=True)
class ParagraphDigest:
    """What the report shows of paragraphs.csv, read a part at a time: the table holds a whole corpus's text."""

    n_paragraphs: int
    statuses: dict[str, int]  # paragraphs per status: "kept" or the reason the paragraph was dropped
    dominant: dict[str, int]  # kept paragraphs per dominant theme
    # Kept rows in file order, each among the `report.paragraphs_per_theme` weighing most on some theme.
    heaviest: pd.DataFrame


@dataclass(frozen=True)
class RunArtifacts:
    """The saved files of one run that the report draws on; the optional ones are None when absent."""

    columns: list[str]  # weight columns: the lexicon's themes, then "other"
    paragraphs: ParagraphDigest
    documents: pd.DataFrame
    topics: pd.DataFrame
    theme_terms: pd.DataFrame
    coverage: pd.DataFrame
    manifest: dict[str, Any]
    config: Config
    stability: pd.DataFrame | None = None
    similarity: pd.DataFrame | None = None
    sweep: pd.DataFrame | None = None
    sweep_name: str = ""  # how the report names the sweep: its folder's name
    # effects/charts/*.svg written by `themes effects`, by file name (the report shows them as they are)
    effect_charts: dict[str, str] = field(default_factory=dict)
    audit: dict[str, Any] | None = None  # summary.json's lexicon audit (None for runs from before it existed)

    @property
    def themes(self) -> list[str]:
        return [c for c in self.columns if c != OTHER]


@dataclass(frozen=True)
class Report:
    """report.html and the standalone charts (file name -> SVG text) it embeds."""

    html: str
    charts: dict[str, str]


def load_run_artifacts(run_dir: Path, sweep: Path | None = None, digest: ParagraphDigest | None = None) -> RunArtifacts:
    """Everything the report needs from `run_dir` (and from `sweep`: a sweep folder or its sweep.csv); the
    paragraphs' `digest` when given (an engine that counted it where the paragraphs are), else read off
    paragraphs.csv."""
    run = load_run(run_dir)
    sweep_csv = _sweep_csv(sweep) if sweep is not None else None
    documents = run.documents.assign(
        title=run.documents["title"].astype(str), date=run.documents["date"].astype(str)
    )
    theme_terms = read_run_csv(run_dir / "theme_terms.csv", ("theme", "term", "weight", "is_seed", "paragraphs"))
    config = load_config(run_dir / "config.toml")
    return RunArtifacts(
        columns=run.labels,
        paragraphs=digest or digest_paragraphs(run, config.report.paragraphs_per_theme),
        documents=documents,
        topics=read_run_csv(run_dir / "topics.csv", ("topic", "theme", "label_score", "seed_theme", "top_terms")),
        theme_terms=theme_terms.assign(term=theme_terms["term"].astype(str)),
        coverage=read_run_csv(run_dir / "lexicon_coverage.csv", ("theme", "n_seeds", "n_found", "coverage", "missing")),
        manifest=_read_manifest(run_dir / "manifest.json"),
        config=config,
        stability=_optional_csv(run_dir / STABILITY_FILE, ("theme", "stability")),
        similarity=_similarity(run_dir / SIMILARITY_FILE),
        sweep=_read_sweep(sweep_csv) if sweep_csv is not None else None,
        sweep_name=sweep_csv.resolve().parent.name if sweep_csv is not None else "",
        effect_charts=_effect_charts(run_dir / EFFECT_CHARTS_DIR),
        audit=read_audit(run_dir),
    )


def digest_paragraphs(run: RunTables, n: int) -> ParagraphDigest:
    """Counts over the run's paragraphs.csv and the kept rows among the `n` weighing most on each theme."""
    statuses: Counter[str] = Counter()
    dominant: Counter[str] = Counter()
    heaviest = None
    n_paragraphs = 0
    for part in read_run_csv_parts(run.path / "paragraphs.csv", PARAGRAPH_COLUMNS, numeric=run.labels):
        n_paragraphs += len(part)
        statuses.update(part["status"].value_counts().to_dict())
        kept = part[part["status"] == artifacts.KEPT]
        dominant.update(kept["dominant_theme"].value_counts().to_dict())
        heaviest = heaviest_rows(kept if heaviest is None else pd.concat([heaviest, kept]), run.themes, n)
    if heaviest is None:  # no rows at all
        heaviest = pd.DataFrame(columns=PARAGRAPH_COLUMNS)
    return ParagraphDigest(n_paragraphs, dict(statuses), dict(dominant), heaviest)


def heaviest_rows(rows: pd.DataFrame, themes: list[str], n: int) -> pd.DataFrame:
    """The union of each theme's `top_rows`, in row order."""
    chosen = sorted({i for theme in themes for i in top_rows(rows, theme, n).index})
    return rows.loc[chosen]


def top_rows(rows: pd.DataFrame, theme: str, n: int) -> pd.DataFrame:
    """The `n` rows weighing most on `theme` (more than 0), heaviest first, ties in row order."""
    return rows[rows[theme] > 0].sort_values(theme, ascending=False, kind="stable").head(n)


def save_report(run_dir: Path, report: Report, rebuilt_by: str = "") -> list[Path]:
    """Write charts/*.svg and report.html (each replaced whole), drop charts no longer drawn, update the manifest."""
    charts_dir = run_dir / CHARTS_DIR
    names = [f"{CHARTS_DIR}/{name}" for name in sorted(report.charts)] + [REPORT_FILE]
    try:
        charts_dir.mkdir(exist_ok=True)
        for name, svg in sorted(report.charts.items()):
            artifacts.write_text_atomic(charts_dir / name, svg)
        for stale in sorted(charts_dir.glob("*.svg")):
            if stale.name not in report.charts:
                stale.unlink()
        artifacts.write_text_atomic(run_dir / REPORT_FILE, report.html)
        update_output_hashes(run_dir, names, owned_prefix=f"{CHARTS_DIR}/", rebuilt_by=rebuilt_by)
    except OSError as exc:
        raise PipelineError(f"{run_dir}: cannot write the report ({exc.strerror or exc})") from None
    return [run_dir / name for name in names]


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: missing (is {path.parent} a finished run folder?)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as JSON ({exc})") from None
    if not isinstance(manifest, dict) or "run_id" not in manifest:
        raise InputError(f"{path}: expected a JSON object with a run_id")
    return manifest


def _effect_charts(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("prevalence-*.svg"))}


def _optional_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame | None:
    return read_run_csv(path, required) if path.is_file() else None


def _similarity(path: Path) -> pd.DataFrame | None:
    """documents x documents, indexed by doc_id; InputError when a value is not a number."""
    frame = _optional_csv(path, ("doc_id",))
    if frame is None:
        return None
    # compare/similarity.csv names each row's document by doc_id and title; the matrix is the rest.
    matrix = frame.set_index("doc_id").drop(columns="title", errors="ignore")
    not_numeric = [c for c in matrix.columns if not pd.api.types.is_numeric_dtype(matrix[c])]
    if not_numeric:
        raise InputError(f"{path}: column(s) {', '.join(map(str, not_numeric[:3]))} are not numbers")
    return matrix


def _sweep_csv(sweep: Path) -> Path:
    path = sweep / SWEEP_FILE if sweep.is_dir() else sweep
    if not path.is_file():
        raise InputError(f"{path}: missing (expected a sweep folder written by `themes sweep`, or its sweep.csv)")
    return path


def _read_sweep(path: Path) -> pd.DataFrame:
    frame = read_run_csv(path, ("kind", "k"))
    if not pd.api.types.is_numeric_dtype(frame["k"]):
        raise InputError(f"{path}: column k must hold whole numbers (topics per model)")
    return frame
