"""Predicted theme shares over a grid of one covariate (or per group of its levels), the others held fixed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.commands.effects.covariates import Design

GRID_POINTS = 80  # a numeric covariate with more distinct whole values than this is drawn at evenly spaced points


def grids(design: Design) -> list[tuple[str, bool, list[str], pd.DataFrame]]:
    """Per variable of the formula: (variable, numeric?, value labels, covariate rows to predict at)."""
    return [_grid(design, name) for name in design.variables]


def _grid(design: Design, name: str) -> tuple[str, bool, list[str], pd.DataFrame]:
    covariates = design.covariates
    held = {other: _typical(covariates[other]) for other in design.variables if other != name}
    values = covariates[name]
    if pd.api.types.is_numeric_dtype(values):
        grid = _numeric_points(values.to_numpy(dtype=float))
        rows = pd.DataFrame({name: grid, **{k: [v] * len(grid) for k, v in held.items()}})
        return name, True, [_number(v) for v in grid], rows[design.variables]
    levels = sorted(values.unique(), key=str)
    rows = pd.DataFrame({name: levels, **{k: [v] * len(levels) for k, v in held.items()}})[design.variables]
    labels, keep = _merged_levels(design, rows, levels)
    return name, False, labels, rows.iloc[keep].reset_index(drop=True)


def _numeric_points(values: np.ndarray) -> np.ndarray:
    low, high = values.min(), values.max()
    whole = np.all(values == np.round(values))
    if whole and high - low + 1 <= GRID_POINTS:
        return np.arange(low, high + 1)
    return np.linspace(low, high, GRID_POINTS)


def _typical(values: pd.Series):
    """What a covariate is held at while another varies: its mean, or its most frequent level (first by name)."""
    if pd.api.types.is_numeric_dtype(values):
        return float(values.mean())
    counts = values.value_counts()
    return sorted(counts[counts == counts.max()].index, key=str)[0]


def _merged_levels(design: Design, rows: pd.DataFrame, levels: list) -> tuple[list[str], list[int]]:
    """Levels the formula cannot tell apart (every country but CHN under I(country == 'CHN')) as one group,
    named by its first levels and its size; returns the labels and one row per group."""
    matrix = predictors(design, rows)
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(np.round(matrix, 12)):
        groups.setdefault(tuple(row), []).append(i)
    labels, keep = [], []
    for members in groups.values():
        names = [str(levels[i]) for i in members]
        if len(names) == 1:
            labels.append(names[0])
        else:
            labels.append(f"{len(names)} others ({names[0]}, …)")
        keep.append(members[0])
    return labels, keep


def predictors(design: Design, rows: pd.DataFrame) -> np.ndarray:
    """The design's columns for new covariate rows (spline knots and level codings as fitted)."""
    from patsy import build_design_matrices

    (matrix,) = build_design_matrices([design.info], rows)
    return np.asarray(matrix, dtype=float)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"
