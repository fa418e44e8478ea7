"""Intervals for the group means of `themes compare --by`: the same composition as `themes effects`, with one
indicator per group (`~ 0 + C(group)`), so each coefficient is a group's mean share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.commands.effects import (LEVEL, N_COEFFICIENTS, N_MEASUREMENTS, measurement_of, run_config_seed,
                                       subset)
from pipeline.commands.effects.compose import compose, intervals
from pipeline.store.read import RunTables


def group_intervals(run: RunTables, groups: pd.Series) -> pd.DataFrame:
    """Per group of two or more documents with kept paragraphs: `<label>_lo`, `<label>_hi` (90% intervals of its
    mean weights); a group of one document has no spread to measure and gets none."""
    documents = run.documents.assign(group=groups.to_numpy())
    documents = documents[documents["n_paragraphs"] > 0].reset_index(drop=True)
    sizes = documents["group"].value_counts()
    measured = sorted(sizes[sizes >= 2].index)
    columns = ["group", *(f"{label}_{end}" for label in run.labels for end in ("lo", "hi"))]
    if not measured:
        return pd.DataFrame(columns=columns)
    rows = np.flatnonzero(documents["group"].isin(measured).to_numpy())
    design = (documents["group"].to_numpy()[rows, None] == np.array(measured)[None]).astype(float)
    measurement = subset(measurement_of(run, documents, run.labels), rows)
    fit = compose(design, measurement, n_measurements=N_MEASUREMENTS, n_coefficients=N_COEFFICIENTS,
                  rng=np.random.default_rng([run_config_seed(run), 1_000]))
    lower, upper, _ = intervals(fit.estimate, fit.draws, LEVEL)
    table = pd.DataFrame({"group": measured})
    for j, label in enumerate(run.labels):
        table[f"{label}_lo"] = lower[j]
        table[f"{label}_hi"] = upper[j]
    return table[columns]
