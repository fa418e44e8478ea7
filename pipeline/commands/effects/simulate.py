"""Corpora with a planted effect of known size, to check that the intervals of `themes effects` cover it.

Used by bench/effects.py (hundreds of corpora) and the tests (a few). Each document has a true share of one theme,
`base + effect * (year - mid) + noise`; its paragraphs' weights scatter around it (Beta, so their mean is the
true share); the run measures each document through `seeds` model replicates, each off by a slope of its own
shared by every document (what a seed does: move the whole corpus, which resampling documents cannot see) plus a
little per-document noise. documents.csv is the seeds' mean, as in a real run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.commands.effects.compose import Measurement, compose, intervals, sampling_intervals

FIRST_YEAR, LAST_YEAR = 1970, 2024


@dataclass(frozen=True)
class Planted:
    """The knobs of one simulated corpus; `effect` is the true change in share per year."""

    effect: float = 0.002
    documents: int = 300
    seeds: int = 5
    base: float = 0.2
    document_sd: float = 0.04
    concentration: float = 10.0  # of the paragraphs' Beta around the document's share: lower = noisier paragraphs
    seed_slope_sd: float = 0.0003  # per year: a replicate's error in the trend
    seed_noise_sd: float = 0.01


def simulate(planted: Planted, rng: np.random.Generator) -> tuple[np.ndarray, Measurement]:
    """The design (intercept, year) and the measurement of one simulated corpus (labels: the theme, "other")."""
    years = rng.integers(FIRST_YEAR, LAST_YEAR + 1, size=planted.documents).astype(float)
    centred = years - (FIRST_YEAR + LAST_YEAR) / 2
    truth = planted.base + planted.effect * centred + rng.normal(0, planted.document_sd, planted.documents)
    truth = np.clip(truth, 0.01, 0.99)
    n_paragraphs = 3 + rng.poisson(12, size=planted.documents)
    doc = np.repeat(np.arange(planted.documents), n_paragraphs)
    share = truth[doc]
    weights = rng.beta(share * planted.concentration, (1 - share) * planted.concentration)
    tokens = 10 + rng.poisson(30, size=len(doc)).astype(float)
    measured = np.bincount(doc, weights=tokens * weights) / np.bincount(doc, weights=tokens)
    slopes = rng.normal(0, planted.seed_slope_sd, size=planted.seeds)
    replicates = np.clip(
        measured[None] + slopes[:, None] * centred[None]
        + rng.normal(0, planted.seed_noise_sd, size=(planted.seeds, planted.documents)), 0, 1)
    shares = replicates.mean(axis=0)
    # The paragraphs as the run reports them: shifted so their token-weighted mean is the document's share.
    paragraph = np.clip(weights + (shares - measured)[doc], 0, 1)
    two = lambda theme: np.column_stack([theme, 1 - theme])  # noqa: E731 - the theme and "other"
    measurement = Measurement(
        shares=two(shares), replicates=np.stack([two(r) for r in replicates]),
        paragraph_doc=doc, paragraph_tokens=tokens, paragraph_weights=two(paragraph),
    )
    return np.column_stack([np.ones(planted.documents), years]), measurement


def calibrate(planted: Planted, corpora: int, seed: int, *, n_measurements: int = 50, n_coefficients: int = 20,
              level: float = 0.9) -> pd.DataFrame:
    """Per simulated corpus: the year slope's estimate and its combined and sampling-only intervals."""
    rng = np.random.default_rng(seed)
    rows = []
    for corpus in range(corpora):
        design, measurement = simulate(planted, rng)
        theme_only = Measurement(
            shares=measurement.shares[:, :1], replicates=measurement.replicates[:, :, :1],
            paragraph_doc=measurement.paragraph_doc, paragraph_tokens=measurement.paragraph_tokens,
            paragraph_weights=measurement.paragraph_weights[:, :1],
        )
        fit = compose(design, theme_only, n_measurements=n_measurements, n_coefficients=n_coefficients, rng=rng)
        lower, upper, p = intervals(fit.estimate, fit.draws, level)
        lower_s, upper_s = sampling_intervals(fit.estimate, fit.sampling_se, level)
        rows.append({"corpus": corpus, "effect": planted.effect, "estimate": fit.estimate[0, 1],
                     "lower": lower[0, 1], "upper": upper[0, 1], "p": p[0, 1],
                     "lower_sampling": lower_s[0, 1], "upper_sampling": upper_s[0, 1]})
    return pd.DataFrame(rows)


def coverage(results: pd.DataFrame) -> dict[str, float]:
    """Share of corpora whose interval holds the true effect, and whose interval leaves out 0."""
    truth = results["effect"]
    return {
        "covers": float(((results["lower"] <= truth) & (truth <= results["upper"])).mean()),
        "covers_sampling": float(((results["lower_sampling"] <= truth) & (truth <= results["upper_sampling"])).mean()),
        "excludes_zero": float(((results["lower"] > 0) | (results["upper"] < 0)).mean()),
        "excludes_zero_sampling": float(((results["lower_sampling"] > 0) | (results["upper_sampling"] < 0)).mean()),
    }
