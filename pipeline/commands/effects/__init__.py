"""`themes effects`: how each theme's document share moves with document covariates, with intervals that carry
the measurement uncertainty of the shares (seed replicates, paragraph resampling) and the sampling uncertainty of
the documents (robust standard errors), combined by the method of composition. See docs/effects.md.

Outputs (RUN_DIR/effects/ unless `out_dir`): effects.csv, prevalence.csv, charts/prevalence-<n>-<covariate>.svg.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.store.artifacts import write_files
from pipeline.commands.effects.compose import Measurement, compose, intervals, sampling_intervals
from pipeline.commands.effects.covariates import Design, build_design, covariate_frame
from pipeline.commands.effects.prevalence import grids, predictors
from pipeline.errors import ConfigError
from pipeline.store.read import RunTables, load_run, load_run_config, read_run_csv

EFFECTS_DIR = "effects"
SEEDS_FILE = "document_seeds.csv"
LEVEL = 0.9
N_MEASUREMENTS = 50
N_COEFFICIENTS = 20
MIN_DOCUMENTS = 5
EFFECT_COLUMNS = ["formula", "theme", "term", "estimate", "lower", "upper", "p", "n_documents",
                  "lower_sampling", "upper_sampling"]
PREVALENCE_COLUMNS = ["formula", "theme", "covariate", "value", "estimate", "lower", "upper", "n_documents"]


@dataclass(frozen=True)
class Effects:
    """effects.csv and prevalence.csv as frames, the charts (file name -> SVG) and what was left out."""

    effects: pd.DataFrame
    prevalence: pd.DataFrame
    charts: dict[str, str]
    notes: dict

    def __getitem__(self, name: str) -> pd.DataFrame:
        return {"effects": self.effects, "prevalence": self.prevalence}[name.removesuffix(".csv")]


def effects(
    run_dir: Path | str,
    formula: str | list[str] | tuple[str, ...] = "~ year",
    *,
    themes: list[str] | tuple[str, ...] = (),
    min_documents: int = MIN_DOCUMENTS,
    n_measurements: int = N_MEASUREMENTS,
    n_coefficients: int = N_COEFFICIENTS,
    seed: int | None = None,
) -> Effects:
    """Regress each theme's document shares on the covariates of each formula; intervals by composition."""
    formulas = [formula] if isinstance(formula, str) else list(formula)
    if not formulas:
        raise ConfigError("--formula: give at least one formula, e.g. '~ year'")
    if min_documents < 1 or n_measurements < 1 or n_coefficients < 2:
        raise ConfigError("--min-documents and --draws must be at least 1 (and coefficient draws at least 2)")
    run = load_run(Path(run_dir))
    labels = _chosen_labels(run, list(themes))
    documents = run.documents[run.documents["n_paragraphs"] > 0].reset_index(drop=True)
    covariates = covariate_frame(documents)
    designs = [build_design(f, covariates, min_documents) for f in formulas]
    run_seed = run_config_seed(run) if seed is None else seed
    measurement = measurement_of(run, documents, labels)
    effect_rows, prevalence_rows, charts = [], [], {}
    for i, design in enumerate(designs):
        rng = np.random.default_rng([run_seed, i])
        effect, prevalence = _fit(design, measurement, labels, rng, n_measurements, n_coefficients)
        effect_rows.append(effect)
        prevalence_rows.append(prevalence)
        charts.update(_charts(i + 1, design, prevalence, labels))
    notes = {
        "run_id": run.run_id,
        "documents_without_paragraphs": int((run.documents["n_paragraphs"] == 0).sum()),
        "missing": {d.formula: d.n_missing for d in designs},
        "seeds": 0 if measurement.replicates is None else len(measurement.replicates),
    }
    return Effects(pd.concat(effect_rows, ignore_index=True), pd.concat(prevalence_rows, ignore_index=True),
                   charts, notes)


def run_config_seed(run: RunTables) -> int:
    """The run's config seed: it feeds every random draw here too, so a repeat gives the same bytes."""
    return int(load_run_config(run.path).get("seed", 0))


def _chosen_labels(run: RunTables, wanted: list[str]) -> list[str]:
    unknown = [t for t in wanted if t not in run.labels]
    if unknown:
        raise ConfigError(f"--theme {unknown[0]}: not a theme of {run.run_id} ({', '.join(run.labels)})")
    return wanted or run.labels


def measurement_of(run: RunTables, documents: pd.DataFrame, labels: list[str]) -> Measurement:
    """Shares, seed replicates and kept paragraphs of `documents`; a duplicate copy shares its first's paragraphs."""
    row_of = {doc_id: i for i, doc_id in enumerate(documents["doc_id"])}
    source = documents.get("duplicate_of", pd.Series([""] * len(documents)))
    first = [dup or doc_id for doc_id, dup in zip(documents["doc_id"], source)]
    paragraphs = read_run_csv(run.path / "paragraphs.csv", ("doc_id", "status", "n_tokens"), numeric=labels,
                              usecols=["doc_id", "status", "n_tokens", *labels])
    paragraphs = paragraphs[paragraphs["status"] == "kept"]
    rows_of: dict[str, list[int]] = {}
    for i, doc_id in enumerate(first):
        rows_of.setdefault(doc_id, []).append(i)
    doc_rows, picked = [], []
    for j, doc_id in enumerate(paragraphs["doc_id"]):
        for row in rows_of.get(doc_id, ()):
            doc_rows.append(row)
            picked.append(j)
    return Measurement(
        shares=documents[labels].to_numpy(dtype=float),
        replicates=_replicates(run, documents, labels, row_of),
        paragraph_doc=np.asarray(doc_rows, dtype=np.int64),
        paragraph_tokens=np.maximum(paragraphs["n_tokens"].to_numpy(dtype=float)[picked], 1.0),
        paragraph_weights=paragraphs[labels].to_numpy(dtype=float)[picked],
    )


def _replicates(run: RunTables, documents: pd.DataFrame, labels: list[str], row_of: dict[str, int]):
    path = run.path / SEEDS_FILE
    if not path.is_file():
        return None
    table = read_run_csv(path, ("doc_id", "seed"), numeric=labels)
    seeds = sorted(table["seed"].unique())
    replicates = np.repeat(documents[labels].to_numpy(dtype=float)[None], len(seeds), axis=0)
    for r, seed in enumerate(seeds):
        rows = table[table["seed"] == seed]
        found = rows["doc_id"].map(row_of)
        mask = found.notna().to_numpy()
        replicates[r, found[mask].astype(int).to_numpy()] = rows.loc[mask, labels].to_numpy(dtype=float)
    return replicates


def _fit(design: Design, measurement: Measurement, labels: list[str], rng: np.random.Generator,
         n_measurements: int, n_coefficients: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = design.matrix.index.to_numpy()
    used = subset(measurement, rows)
    x = design.matrix.to_numpy(dtype=float)
    fit = compose(x, used, n_measurements=n_measurements, n_coefficients=n_coefficients, rng=rng)
    lower, upper, p = intervals(fit.estimate, fit.draws, LEVEL)
    lower_s, upper_s = sampling_intervals(fit.estimate, fit.sampling_se, LEVEL)
    terms = list(design.matrix.columns)
    effect = pd.DataFrame([
        {"formula": design.formula, "theme": label, "term": term, "estimate": fit.estimate[j, k],
         "lower": lower[j, k], "upper": upper[j, k], "p": p[j, k], "n_documents": len(rows),
         "lower_sampling": lower_s[j, k], "upper_sampling": upper_s[j, k]}
        for j, label in enumerate(labels) for k, term in enumerate(terms)
    ], columns=EFFECT_COLUMNS)
    prevalence = []
    for name, _, values, grid_rows in grids(design):
        grid = predictors(design, grid_rows)
        predicted = np.einsum("gt,ldt->ldg", grid, fit.draws)
        low, high = np.percentile(predicted, [(1 - LEVEL) / 2 * 100, (1 + LEVEL) / 2 * 100], axis=1)
        point = fit.estimate @ grid.T
        prevalence += [
            {"formula": design.formula, "theme": label, "covariate": name, "value": value,
             "estimate": point[j, g], "lower": low[j, g], "upper": high[j, g], "n_documents": len(rows)}
            for j, label in enumerate(labels) for g, value in enumerate(values)
        ]
    return effect, pd.DataFrame(prevalence, columns=PREVALENCE_COLUMNS)


def subset(measurement: Measurement, rows: np.ndarray) -> Measurement:
    """The measurement of the design's documents only (rows renumbered), paragraphs of the others dropped."""
    new_row = np.full(len(measurement.shares), -1)
    new_row[rows] = np.arange(len(rows))
    keep = new_row[measurement.paragraph_doc] >= 0
    return Measurement(
        shares=measurement.shares[rows],
        replicates=None if measurement.replicates is None else measurement.replicates[:, rows],
        paragraph_doc=new_row[measurement.paragraph_doc[keep]],
        paragraph_tokens=measurement.paragraph_tokens[keep],
        paragraph_weights=measurement.paragraph_weights[keep],
    )


def _charts(number: int, design: Design, prevalence: pd.DataFrame, labels: list[str]) -> dict[str, str]:
    from pipeline.report.charts import Series
    from pipeline.report.colors import theme_colors
    from pipeline.report.effect_charts import prevalence_panels

    colors = theme_colors(labels)
    series = [Series(label.replace("_", " "), colors[label]) for label in labels]
    charts = {}
    for name, numeric, _, _ in grids(design):
        rows = prevalence[prevalence["covariate"] == name]
        per = [rows[rows["theme"] == label] for label in labels]
        title = (f"Predicted theme share by {name} ({design.formula}; {int(LEVEL * 100)}% intervals, "
                 f"{rows['n_documents'].iloc[0]} documents)")
        slug = re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")
        charts[f"charts/prevalence-{number}-{slug}.svg"] = prevalence_panels(
            series, per[0]["value"].tolist(), numeric, *([p[c].tolist() for p in per] for c in
                                                         ("estimate", "lower", "upper")), title)
    return charts


def write_effects(result: Effects, run_dir: Path | str, out_dir: Path | None = None) -> list[Path]:
    """effects.csv, prevalence.csv and the charts into RUN_DIR/effects/ (or `out_dir`)."""
    folder = Path(out_dir) if out_dir else Path(run_dir) / EFFECTS_DIR
    files: dict[str, pd.DataFrame | str] = {"effects.csv": result.effects, "prevalence.csv": result.prevalence}
    written = write_files(folder, files | result.charts)
    # A chart of an earlier call's formulas would sit beside tables that no longer hold its numbers.
    for stale in sorted((folder / "charts").glob("prevalence-*.svg")):
        if stale not in written:
            stale.unlink()
    return written
