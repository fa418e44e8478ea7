"""Sweep: fit every (topic count, seed) pair on one prepared corpus, score each fit the same way, recommend a K.

The corpus goes through the run's own stages up to vectorize once. A deterministic share of kept paragraphs is
held out (chosen with the config seed); every fit trains on the rest with the run's model stage, so a fit depends
only on (K, seed), and fits are gathered in a fixed order: sweep.csv is byte-identical whatever `n_jobs`.

The recommendation rule is in pipeline/commands/recommend.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import numpy as np
import pandas as pd
import tomli_w

from pipeline.store import artifacts
from pipeline.store.manifest import write_manifest
from pipeline.config import Config, ModelConfig, SweepMetric
from pipeline.errors import ConfigError
from pipeline.stages.metrics import (
    Bow,
    completion_split,
    c_npmi,
    c_v,
    exclusivity,
    heldout_perplexity,
    Reference,
    reference_corpus,
    replicate_stability,
    top_term_ids,
    topic_diversity,
    u_mass,
)
from pipeline.stages.parallel import map_in_order
from pipeline.progress import Reporter, SilentReporter
from pipeline.commands.recommend import Recommendation, recommend, selected_restarts
from pipeline.report.figures import sweep_chart
from pipeline.store.cache import StageCache
from pipeline.runner import Prepared, prepare
from pipeline.stage_runner import Stages
from pipeline.stages.model import fit_topics, replicate_seeds, seeded_term_ids
from pipeline.types import Vectors

METRICS: tuple[str, ...] = get_args(SweepMetric)
COLUMNS = ["kind", "k", "seed", "c_v", "c_npmi", "u_mass", "diversity", "exclusivity", "perplexity", "stability",
           "selected", "score", "recommended"]


@dataclass(frozen=True)
class Fit:
    """One fitted (K, seed): its topic-term matrix and its held-out perplexity."""

    k: int
    seed: int
    topic_term: np.ndarray
    perplexity: float


@dataclass(frozen=True)
class SweepResult:
    sweep_dir: Path
    sweep_id: str
    table: pd.DataFrame
    recommendation: Recommendation
    text: str


def sweep(config: Config, reporter: Reporter | None = None, *, n_jobs: int = -1) -> SweepResult:
    """Fit, score and recommend; write outputs/<experiment>/sweeps/<sweep-id>/ and return it with the table."""
    stages = Stages(reporter or SilentReporter(), StageCache.for_config(config))
    prepared = prepare(config, stages)
    k_values, skipped = plan_topic_counts(config, prepared)
    with stages.stage("fit") as counts:
        fits, n_heldout = fit_grid(prepared, config, k_values, stages.reporter, n_jobs=n_jobs)
        counts["fits"] = len(fits)
        counts["heldout_paragraphs"] = n_heldout
    with stages.stage("score") as counts:
        texts = [tokens for tokens, keep in zip(prepared.tokenized.tokens, prepared.kept) if keep]
        reference = reference_corpus(texts, prepared.vectors.dictionary.token2id)
        fit_rows = score_fits(fits, reference, config.sweep.top_terms)
        k_rows = summarize(fit_rows)
        recommendation = recommend(fit_rows, k_rows, config.sweep.criteria, skipped)
        table = sweep_table(fit_rows, k_rows, recommendation)
        counts["recommended_k"] = recommendation.k
    with stages.stage("write"):
        text = sweep_text(table, recommendation)
        sweep_dir, sweep_id = _write(config, prepared, stages, table, recommendation, text)
    return SweepResult(sweep_dir, sweep_id, table, recommendation, text)


def plan_topic_counts(config: Config, prepared: Prepared) -> tuple[list[int], list[int]]:
    """The K to fit and the K skipped because a seeded model needs a topic per seeded theme."""
    n_seeded = len(seeded_term_ids(prepared.vectors, prepared.theme_terms, config.model))
    wanted = config.sweep.k_values
    usable = [k for k in wanted if k >= n_seeded]
    if not usable:
        raise ConfigError(
            f"config: sweep.k = {json.dumps(config.sweep.k)}: every K is below the {n_seeded} seeded themes; "
            f"include K >= {n_seeded} or set model.seeded = false"
        )
    return usable, [k for k in wanted if k < n_seeded]


def holdout_mask(prepared: Prepared, fraction: float, seed: int) -> np.ndarray:
    """Per paragraph: held out for perplexity, a seeded draw among kept paragraphs with 2+ terms (one stays in training)."""
    candidates = [
        i for i, (row, keep) in enumerate(zip(prepared.vectors.bow, prepared.kept)) if keep and sum(c for _, c in row) > 1
    ]
    n_held = min(max(round(fraction * len(candidates)), 1), len(candidates) - 1) if fraction > 0 else 0
    mask = np.zeros(len(prepared.kept), dtype=bool)
    if n_held > 0:
        mask[np.random.default_rng(seed).choice(candidates, size=n_held, replace=False)] = True
    return mask


def fit_grid(
    prepared: Prepared, config: Config, k_values: list[int], reporter: Reporter, *, n_jobs: int
) -> tuple[list[Fit], int]:
    """Every (K, seed) trained on the paragraphs not held out, in K then seed order; and how many were held out."""
    heldout = holdout_mask(prepared, config.sweep.holdout, config.seed)
    token2id = prepared.vectors.dictionary.token2id
    observed, evaluated = completion_split(
        [[token2id[t] for t in tokens if t in token2id] for tokens, held in zip(prepared.tokenized.tokens, heldout) if held]
    )
    tasks = [(k, s) for k in k_values for s in replicate_seeds(config.seed, config.sweep.seeds)]
    fits = map_in_order(
        _fit_one,
        tasks,
        n_jobs=n_jobs,
        on_done=lambda done: reporter.advance("fit", done, len(tasks)),
        vectors=prepared.vectors,
        theme_terms=prepared.theme_terms,
        train=[keep and not held for keep, held in zip(prepared.kept, heldout)],
        observed=observed,
        evaluated=evaluated,
        model_config=config.model,
    )
    return fits, int(heldout.sum())


def _fit_one(
    task: tuple[int, int],
    *,
    vectors: Vectors,
    theme_terms: dict[str, list[str]],
    train: list[bool],
    observed: list[Bow],
    evaluated: list[Bow],
    model_config: ModelConfig,
) -> Fit:
    k, seed = task
    model = fit_topics(vectors, train, theme_terms, model_config.model_copy(update={"num_topics": k}), seed=seed)
    perplexity = heldout_perplexity(model.model, observed, evaluated)
    return Fit(k=k, seed=seed, topic_term=model.topic_term, perplexity=perplexity)


def score_fits(fits: list[Fit], reference: Reference, top_n: int) -> pd.DataFrame:
    """One row per fit: every metric, stability (mean best-match similarity with the other seeds at that K), selected."""
    rows = []
    for fit in fits:
        top_ids = top_term_ids(fit.topic_term, top_n)
        rows.append(
            {
                "k": fit.k,
                "seed": fit.seed,
                "c_v": float(c_v(top_ids, reference).mean()),
                "c_npmi": float(c_npmi(top_ids, reference).mean()),
                "u_mass": float(u_mass(top_ids, reference).mean()),
                "diversity": topic_diversity(top_ids),
                "exclusivity": exclusivity(fit.topic_term, top_ids),
                "perplexity": fit.perplexity,
            }
        )
    frame = pd.DataFrame(rows)
    frame["stability"] = np.nan
    for k in dict.fromkeys(frame["k"]):
        rows_k = np.flatnonzero(frame["k"].to_numpy() == k)
        frame.loc[rows_k, "stability"] = replicate_stability([fits[i].topic_term for i in rows_k])
    frame["selected"] = selected_restarts(frame)
    return frame


def summarize(fit_rows: pd.DataFrame) -> pd.DataFrame:
    """One row per K: the mean of each metric over its seeds (NaN stays NaN when a metric is missing)."""
    return fit_rows.groupby("k", sort=True)[list(METRICS)].mean().reset_index()


def sweep_table(fit_rows: pd.DataFrame, k_rows: pd.DataFrame, recommendation: Recommendation) -> pd.DataFrame:
    """sweep.csv: the fit rows, then one row per K with its score and `recommended` true on the chosen K."""
    fits = fit_rows.assign(kind="fit", score=np.nan, recommended=False)
    per_k = k_rows.assign(
        kind="k",
        seed=pd.NA,
        selected=False,
        score=[recommendation.scores[int(k)] for k in k_rows["k"]],
        recommended=k_rows["k"] == recommendation.k,
    )
    table = pd.concat([fits, per_k], ignore_index=True)[COLUMNS]
    return table.astype({"k": int, "seed": "Int64", "selected": bool, "recommended": bool})


def sweep_text(table: pd.DataFrame, recommendation: Recommendation) -> str:
    """The per-K table (mean over seeds; * = recommended) and the recommendation, as printed and saved."""
    per_k = table[table["kind"] == "k"]
    header = f"{'K':>4}  " + "  ".join(f"{m:>11}" for m in (*METRICS, "score"))
    lines = ["mean over seeds per K; the score uses each K's selected restart (see recommendation)", header]
    for _, row in per_k.iterrows():
        cells = "  ".join(_cell(row[m]) for m in (*METRICS, "score"))
        lines.append(f"{row['k']:>3}{'*' if row['recommended'] else ' '}  {cells}")
    if recommendation.skipped_k:
        lines.append(f"skipped K={', '.join(map(str, recommendation.skipped_k))}: below the seeded themes")
    lines.append(f"recommended {recommendation.reason}")
    return "\n".join(lines) + "\n"


def _cell(value: float) -> str:
    return f"{'':>11}" if pd.isna(value) else f"{value:>11.4f}"


def _write(
    config: Config,
    prepared: Prepared,
    stages: Stages,
    table: pd.DataFrame,
    recommendation: Recommendation,
    text: str,
) -> tuple[Path, str]:
    # A run's results and hash leave [sweep] out; a sweep's are its settings plus [sweep].
    settings = {**config.to_dict(results_only=True), "sweep": config.sweep.model_dump(mode="json")}
    config_hash = hashlib.sha256(json.dumps(settings, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    with artifacts.RunFolder(
        Path(config.output_dir) / config.experiment, "sweeps", artifacts.make_run_id(config_hash)
    ) as folder:
        artifacts.write_sweep(
            folder.path,
            table=table,
            recommendation={
                "k": recommendation.k,
                "reason": recommendation.reason,
                "criteria": recommendation.criteria,
                "scores": {str(k): round(v, 8) for k, v in recommendation.scores.items()},
                "skipped_k": recommendation.skipped_k,
            },
            text=text,
            chart=sweep_chart(table),
            config_toml=tomli_w.dumps(settings),
        )
        write_manifest(
            folder.path, run_id=folder.run_id, experiment=config.experiment, config_hash=config_hash,
            seed=config.seed, inputs=prepared.inputs, stages=stages.records, input_files=prepared.files,
        )
    return folder.final, folder.run_id
