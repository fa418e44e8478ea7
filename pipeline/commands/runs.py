"""List finished runs (`themes runs`): one row per run folder with a manifest.json, oldest first (run ids sort by time)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table

from pipeline.errors import InputError
from pipeline.store.read import load_run, load_run_config, read_manifest
from pipeline.stages.weigh import OTHER


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    experiment: str
    created_utc: str
    config_hash: str
    documents: int | None
    paragraphs_kept: int | None
    input: str  # ingest.path as the config says it ("" = the bundled sample)
    input_files: str  # "<count> <first 8 hex of a sha256 over their paths and sha256s>": the same path may hold other files
    top_theme: str  # the theme with the largest share of the corpus's modeled tokens ("other" aside)
    top_theme_share: float | None
    macro_f1: float | None  # from evaluation/summary.json, when `themes evaluate` was run
    path: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_runs(output_dir: Path, experiment: str | None = None) -> list[RunInfo]:
    """Runs under `output_dir/<experiment>/` (every experiment when None); unfinished `.tmp-*` folders skipped."""
    output_dir = Path(output_dir)
    if experiment is not None:
        if not (output_dir / experiment).is_dir():
            known = ", ".join(sorted(p.name for p in _folders(output_dir))) or "none"
            raise InputError(f"{output_dir / experiment}: no such experiment folder; experiments: {known}")
        experiment_dirs = [output_dir / experiment]
    else:
        experiment_dirs = _folders(output_dir)
    runs = [
        run_info(run_dir)
        for experiment_dir in experiment_dirs
        for run_dir in _folders(experiment_dir)
        if (run_dir / "manifest.json").is_file()
    ]
    return sorted(runs, key=lambda r: (r.run_id, r.experiment))


def _folders(parent: Path) -> list[Path]:
    # Dot folders are the stage cache and runs still being written.
    return sorted(p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")) if parent.is_dir() else []


def run_info(run_dir: Path) -> RunInfo:
    manifest = read_manifest(run_dir)
    counts = {key: value for stage in manifest.get("stages", []) for key, value in stage.items()}
    try:
        tables = load_run(run_dir)
        top_theme, share = corpus_top_theme(tables.documents, tables.labels)
    except InputError:  # a damaged table leaves the headline empty; the rest of the row still helps
        top_theme, share = "", None
    try:
        corpus = str(load_run_config(run_dir).get("ingest", {}).get("path", ""))
    except InputError:
        corpus = "?"
    return RunInfo(
        # Where the run lives names it (a copied or moved run folder is listed where it is now).
        run_id=run_dir.name,
        experiment=run_dir.parent.name,
        created_utc=manifest.get("created_utc", ""),
        config_hash=manifest.get("config_hash", ""),
        documents=counts.get("documents"),
        paragraphs_kept=counts.get("paragraphs_kept"),
        input=corpus,
        input_files=input_fingerprint(manifest.get("input_files", [])),
        top_theme=top_theme,
        top_theme_share=share,
        macro_f1=_macro_f1(run_dir / "evaluation" / "summary.json"),
        path=str(run_dir),
    )


def input_fingerprint(files: list[dict[str, Any]]) -> str:
    """How many input files a run read, and a short hash of which (path and sha256 of each)."""
    digest = hashlib.sha256()
    for entry in sorted((str(f.get("path", "")), str(f.get("sha256", ""))) for f in files):
        digest.update("\t".join(entry).encode() + b"\n")
    return f"{len(files)} {digest.hexdigest()[:8]}" if files else "?"


def corpus_top_theme(documents: pd.DataFrame, labels: list[str]) -> tuple[str, float | None]:
    """The theme with the largest share of all modeled tokens (document weights weighted by `n_tokens`), "other"
    aside; `labels` are the weight columns, themes then "other"."""
    themes = [label for label in labels if label != OTHER]
    if not themes or "n_tokens" not in documents.columns:
        return "", None
    tokens = documents["n_tokens"].to_numpy(dtype=float)
    shares = documents[themes].to_numpy(dtype=float).T @ tokens / max(tokens.sum(), 1.0)
    best = int(shares.argmax())
    return themes[best], float(shares[best])


def _macro_f1(summary_json: Path) -> float | None:
    try:
        return json.loads(summary_json.read_text(encoding="utf-8")).get("macro_f1")
    except (OSError, json.JSONDecodeError):
        return None


def runs_table(runs: list[RunInfo], output_dir: Path) -> Table | str:
    """What `themes runs` prints: one row per run, oldest first."""
    if not runs:
        return f"no finished runs under {output_dir}"
    table = Table(title=f"Runs under {output_dir} (kept = paragraphs kept; share of the corpus's tokens)", title_justify="left")
    several = len({run.experiment for run in runs}) > 1
    headers = ("run id", *(["experiment"] if several else []), "date (UTC)", "config", "docs", "kept", "input",
               "files", "top theme", "share", "macro-F1")
    for name in headers:
        table.add_column(name, no_wrap=name != "input", overflow="fold")
    for run in runs:
        table.add_row(
            run.run_id, *([run.experiment] if several else []), run.created_utc[:16].replace("T", " "),
            run.config_hash[:8], _count(run.documents), _count(run.paragraphs_kept), run.input or "(sample)",
            run.input_files, run.top_theme, _number(run.top_theme_share), _number(run.macro_f1),
        )
    return table


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
