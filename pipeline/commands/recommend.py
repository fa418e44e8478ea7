"""The sweep's recommendation: one K from per-fit metrics, by an explicit rule that says why.

LDA's objective has many local optima, so at each K the sweep keeps the restart (seed) with
the lowest held-out perplexity, as one keeps the best of several restarts (`selected` in sweep.csv; the highest
c_npmi when nothing is held out). Each criterion in `sweep.criteria` is read from that restart (stability: across
all seeds) and scaled 0-1 across the swept K (min-max; perplexity reversed); the K with the highest mean wins,
ties going to the smaller K. On planted corpora this finds the planted K where means over seeds often pick K+1:
the optimizer misses the planted topics at K for some seeds, and a spare topic makes that rarer.
A criterion missing for some K (stability with one seed, perplexity with nothing held out) is left out, and the
reason says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError

LOWER_IS_BETTER = frozenset({"perplexity"})


@dataclass(frozen=True)
class Recommendation:
    k: int
    reason: str
    criteria: list[str]  # the criteria actually used
    scores: dict[int, float]
    skipped_k: list[int]


def selected_restarts(fit_rows: pd.DataFrame) -> np.ndarray:
    """Per K, True on the fit with the lowest held-out perplexity (the highest c_npmi without one); ties: first seed."""
    quality = -fit_rows["perplexity"] if fit_rows["perplexity"].notna().all() else fit_rows["c_npmi"]
    best = quality.groupby(fit_rows["k"], sort=False).idxmax()
    return fit_rows.index.isin(best.to_numpy())


def recommend(
    fit_rows: pd.DataFrame, k_rows: pd.DataFrame, criteria: list[str], skipped_k: list[int]
) -> Recommendation:
    """Highest mean of the criteria (selected restart per K; stability over seeds) scaled 0-1 across K; ties to smaller K."""
    selected = fit_rows[fit_rows["selected"]].set_index("k").loc[k_rows["k"]].reset_index()
    values = selected.assign(stability=k_rows["stability"].to_numpy())
    used = [c for c in dict.fromkeys(criteria) if values[c].notna().all()]
    if not used:
        raise ConfigError(
            f"config: sweep.criteria = {json.dumps(criteria)}: none can be computed here "
            "(stability needs sweep.seeds >= 2, perplexity needs sweep.holdout > 0)"
        )
    scaled = pd.DataFrame({c: _scale(values[c].to_numpy(), c in LOWER_IS_BETTER) for c in used})
    # Rounded so that float noise in the last bits can never decide between two K.
    score = scaled.mean(axis=1).round(10).to_numpy()
    best = int(np.flatnonzero(score == score.max())[0])
    ks = k_rows["k"].tolist()
    reason = _reason(values, used, [c for c in dict.fromkeys(criteria) if c not in used], best, score[best])
    return Recommendation(
        k=int(ks[best]), reason=reason, criteria=used, scores=dict(zip(map(int, ks), score.tolist())),
        skipped_k=skipped_k,
    )


def _scale(values: np.ndarray, reverse: bool) -> np.ndarray:
    span = values.max() - values.min()
    scaled = (values - values.min()) / span if span > 0 else np.ones_like(values)
    return 1.0 - scaled if reverse and span > 0 else scaled


def _reason(values: pd.DataFrame, used: list[str], left_out: list[str], best: int, score: float) -> str:
    ks = values["k"].tolist()
    parts = []
    for c in used:
        column = values[c].to_numpy()
        top = int(np.argmin(column) if c in LOWER_IS_BETTER else np.argmax(column))
        where = "best" if column[top] == column[best] else f"best {column[top]:.4f} at K={ks[top]}"
        parts.append(f"{c} {column[best]:.4f} ({where})")
    reason = (
        f"K={ks[best]}: highest score {score:.3f}, the mean of {', '.join(used)} each scaled 0-1 across "
        f"K={ks[0]}..{ks[-1]} (per K the restart with the lowest held-out perplexity, here seed "
        f"{values['seed'].iloc[best]}; stability over all seeds): " + "; ".join(parts)
    )
    if left_out:
        reason += f". Left out (not computable for every K): {', '.join(left_out)}"
    if len(ks) > 1 and best in (0, len(ks) - 1) and ks[best] != 2:
        side = "smallest" if best == 0 else "largest"
        reason += f". K={ks[best]} is the {side} K swept: a wider range may score higher"
    return reason
