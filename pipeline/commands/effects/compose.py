"""The method of composition: regression coefficients whose draws carry both the shares' measurement uncertainty
and the documents' sampling uncertainty.

Each of `n_measurements` draws perturbs every document's shares as the run could have measured them: a seed
replicate's deviation from the seeds' mean (scaled so the draws vary as a mean of the seeds does) plus the change a
Poisson bootstrap of the document's kept paragraphs makes, and refits the OLS coefficients. Around each refit,
`n_coefficients` draws from the point fit's heteroskedasticity-robust (HC3, statsmodels) covariance, less the
part the paragraphs' noise already put in it. The pooled draws give the intervals; the HC3 covariance alone gives
the sampling-only intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class Measurement:
    """What the shares' measurement uncertainty is drawn from, aligned with the design's documents."""

    shares: np.ndarray  # documents x labels: documents.csv (the seeds' mean)
    replicates: np.ndarray | None  # seeds x documents x labels, or None for a single-seed run
    paragraph_doc: np.ndarray  # per kept paragraph: its row in `shares`
    paragraph_tokens: np.ndarray  # per kept paragraph: its tokens (the weights of a document's mean)
    paragraph_weights: np.ndarray  # kept paragraphs x labels


@dataclass(frozen=True)
class Fit:
    """Per label: the point estimates, the pooled composition draws and the sampling-only standard errors."""

    estimate: np.ndarray  # labels x terms
    draws: np.ndarray  # labels x draws x terms
    sampling_se: np.ndarray  # labels x terms


def compose(design: np.ndarray, measurement: Measurement, *, n_measurements: int, n_coefficients: int,
            rng: np.random.Generator) -> Fit:
    """Point fits of every label's shares on `design` and draws of their coefficients by the method of composition.

    The robust covariance of the point fit already holds the paragraphs' noise, which is independent across
    documents; drawing it again from resampled paragraphs would count it twice. So each draw's sampling part uses
    that covariance less the paragraphs' share of it (the sandwich of the documents' resampling variances), and
    the measurement draws add it back once, with the seeds' shared error that sampling cannot see.
    """
    import statsmodels.api as sm

    n_labels = measurement.shares.shape[1]
    point = [sm.OLS(measurement.shares[:, j], design).fit(cov_type="HC3") for j in range(n_labels)]
    pinv = np.linalg.pinv(design)
    base = _paragraph_means(measurement, np.ones(len(measurement.paragraph_doc)))
    measured, squared = [], np.zeros_like(measurement.shares)
    for _ in range(n_measurements):
        shares, paragraph_change = _measured(measurement, base, rng)
        measured.append(pinv @ shares)  # labels' OLS coefficients, terms x labels
        squared += paragraph_change**2
    paragraph_variance = squared / n_measurements
    bread = np.linalg.inv(design.T @ design)
    draws = []
    for j, fit in enumerate(point):
        paragraph_part = bread @ (design.T * paragraph_variance[:, j]) @ design @ bread
        root = _psd_root(np.asarray(fit.cov_params()) - paragraph_part)
        noise = rng.standard_normal((n_measurements * n_coefficients, design.shape[1])) @ root.T
        centres = np.repeat(np.array([coefficients[:, j] for coefficients in measured]), n_coefficients, axis=0)
        draws.append(centres + noise)
    return Fit(
        estimate=np.array([np.asarray(fit.params) for fit in point]),
        draws=np.array(draws),
        sampling_se=np.array([np.asarray(fit.bse) for fit in point]),
    )


def _psd_root(matrix: np.ndarray) -> np.ndarray:
    """A square root R (R @ R.T = matrix) with negative eigenvalues, from subtracting an estimate, set to 0."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return vectors * np.sqrt(np.clip(values, 0, None))


def _measured(measurement: Measurement, base: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One draw of every document's shares (seed deviation plus paragraph resampling, kept within [0, 1]) and the
    part of it that paragraph resampling made."""
    shares = measurement.shares.copy()
    if measurement.replicates is not None and len(measurement.replicates) > 1:
        seeds = len(measurement.replicates)
        # One replicate for the whole corpus: a seed moves all documents together, which sampling over
        # documents cannot see. Its deviation / sqrt(seeds - 1) varies as the mean of `seeds` replicates does.
        replicate = measurement.replicates[rng.integers(seeds)]
        shares += (replicate - measurement.shares) / np.sqrt(seeds - 1)
    counts = rng.poisson(1.0, size=len(measurement.paragraph_doc)).astype(float)
    paragraph_change = _paragraph_means(measurement, counts, full=base) - base
    return np.clip(shares + paragraph_change, 0.0, 1.0), paragraph_change


def _paragraph_means(measurement: Measurement, counts: np.ndarray, full: np.ndarray | None = None) -> np.ndarray:
    """Each document's token-weighted mean of its paragraphs' weights, each paragraph counted `counts` times; a
    document whose resample drew no paragraph keeps its `full` mean (its change is then 0)."""
    from scipy.sparse import csr_matrix

    n_docs = len(measurement.shares)
    weights = counts * measurement.paragraph_tokens
    by_document = csr_matrix((weights, (measurement.paragraph_doc, np.arange(len(weights)))),
                             shape=(n_docs, len(weights)))
    totals = np.asarray(by_document.sum(axis=1)).ravel()
    sums = np.asarray(by_document @ measurement.paragraph_weights)
    means = np.divide(sums, totals[:, None], out=np.zeros_like(sums), where=totals[:, None] > 0)
    return means if full is None else np.where(totals[:, None] > 0, means, full)


def intervals(estimate: np.ndarray, draws: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
    """Lower and upper `level` percentiles of the draws (last-but-one axis) and the two-sided p-value of 0 from
    the draws' standard deviation (normal approximation)."""
    tail = (1 - level) / 2 * 100
    lower, upper = np.percentile(draws, [tail, 100 - tail], axis=-2)
    spread = draws.std(axis=-2, ddof=1)
    z = np.divide(np.abs(estimate), spread, out=np.full_like(spread, np.inf), where=spread > 0)
    return lower, upper, 2 * norm.sf(z)


def sampling_intervals(estimate: np.ndarray, se: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = norm.ppf(0.5 + level / 2)
    return estimate - z * se, estimate + z * se
