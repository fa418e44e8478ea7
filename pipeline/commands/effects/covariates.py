"""Covariates of a run's documents and the design matrix of one formula, checked before anything is fitted.

Covariates come from documents.csv: `year` (from `date`), every `meta_<key>` column as `<key>` (from
`ingest.filename_pattern` groups or JSONL/CSV columns), `n_tokens`, `title` and `source`. A column whose values all
read as numbers is numeric, else categorical. Every problem with a formula is one ConfigError (exit 2).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError

# Names a formula may use that are not covariates: patsy's transforms and what its formulas evaluate with.
FORMULA_NAMES = frozenset({"np", "True", "False", "None", "C", "I", "Q", "bs", "cr", "cc", "te", "center",
                           "standardize", "scale", "Treatment", "Sum", "Poly", "Diff", "Helmert", "log", "exp"})
TEXT_COVARIATES = ("title", "source", "date")


@dataclass(frozen=True)
class Design:
    """One formula's design matrix over the documents it can use (rows of `covariates`, index = documents.csv row)."""

    formula: str
    matrix: pd.DataFrame  # documents x terms, patsy's column names
    info: object  # patsy DesignInfo: builds the same columns for new covariate values (prediction grids)
    covariates: pd.DataFrame  # the documents used, only the variables the formula names
    variables: list[str]
    n_missing: int  # documents left out for a missing value of a variable


def covariate_frame(documents: pd.DataFrame) -> pd.DataFrame:
    """Per document its covariates by name, numeric where every non-empty value is a number; "" stays missing."""
    columns: dict[str, pd.Series] = {name: documents[name] for name in TEXT_COVARIATES if name in documents}
    if "date" in documents:
        columns["year"] = documents["date"].str[:4]
    if "n_tokens" in documents:
        columns["n_tokens"] = documents["n_tokens"]
    for column in documents.columns:
        if column.startswith("meta_"):
            columns[column.removeprefix("meta_")] = documents[column]
    frame = pd.DataFrame(columns, index=documents.index)
    for name in frame.columns:
        if name not in TEXT_COVARIATES:
            frame[name] = _numeric_or_text(frame[name])
    return frame


def _numeric_or_text(values: pd.Series) -> pd.Series:
    """Numbers when every non-empty value is one (missing as NaN), else the text with "" as missing (None)."""
    text = values.astype(str).str.strip()
    present = text != ""
    numbers = pd.to_numeric(text.where(present), errors="coerce")
    if present.any() and numbers[present].notna().all():
        return numbers
    return text.where(present, None)


def formula_variables(formula: str, available: list[str]) -> list[str]:
    """The covariates `formula` names (in order of first use); ConfigError if it does not parse or names an unknown one."""
    from patsy import ModelDesc, PatsyError

    try:
        description = ModelDesc.from_formula(formula.strip().removeprefix("~").strip() or "1")
    except PatsyError as exc:
        raise ConfigError(f"--formula {formula!r}: does not parse ({_first_line(exc)})") from None
    if description.lhs_termlist:
        raise ConfigError(f"--formula {formula!r}: give only the right-hand side ('~ year'); the outcome is each theme")
    names: list[str] = []
    for term in description.rhs_termlist:
        for factor in term.factors:
            for name in _names(factor.code, formula):
                if name not in names:
                    names.append(name)
    for name in names:
        if name not in available:
            raise ConfigError(
                f"--formula {formula!r}: unknown covariate '{name}'; this run's documents have {', '.join(available)}"
            )
    return names


def _names(code: str, formula: str) -> list[str]:
    """Variable names in one factor's Python expression, leaving out called functions and patsy's own names."""
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError as exc:
        raise ConfigError(f"--formula {formula!r}: does not parse ({exc.msg} in '{code}')") from None
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return [
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and id(node) not in called and node.id not in FORMULA_NAMES
    ]


def build_design(formula: str, covariates: pd.DataFrame, min_documents: int) -> Design:
    """The design matrix of `formula` over the documents with every variable it names; ConfigError when a variable
    has one value, an indicator column rests on fewer than `min_documents` documents, or the terms are collinear."""
    from patsy import PatsyError, dmatrix

    rhs = formula.strip().removeprefix("~").strip() or "1"
    variables = formula_variables(formula, list(covariates.columns))
    used = covariates[variables]
    complete = used.notna().all(axis=1)
    used = used[complete]
    if variables and used.empty:
        missing = next(name for name in variables if covariates[name].isna().all())
        raise ConfigError(f"--formula {formula!r}: no document has a value for covariate '{missing}'"
                          + (" (no dated documents)" if missing == "year" else ""))
    for name in variables:
        values = used[name].unique()
        if len(values) < 2:
            shown = f" ({values[0]})" if len(values) else ""
            raise ConfigError(
                f"--formula {formula!r}: covariate '{name}' has {len(values)} value{shown} in the "
                f"{len(used)} documents that have it; an effect needs at least two"
            )
    try:
        matrix = dmatrix(rhs, used, NA_action="raise", return_type="dataframe")
    except (PatsyError, ValueError, TypeError, NameError) as exc:
        raise ConfigError(f"--formula {formula!r}: cannot be evaluated ({_first_line(exc)})") from None
    _check_columns(formula, matrix, min_documents)
    return Design(formula=formula, matrix=matrix, info=matrix.design_info, covariates=used, variables=variables,
                  n_missing=int((~complete).sum()))


def _check_columns(formula: str, matrix: pd.DataFrame, min_documents: int) -> None:
    """Every indicator (0/1) column must hold `min_documents` documents on each side, and no column may be
    redundant: a level of three documents, or a country that is also its own year, gives no estimate to trust."""
    values = matrix.to_numpy(dtype=float)
    if values.shape[0] - values.shape[1] < min_documents:
        raise ConfigError(
            f"--formula {formula!r}: {values.shape[0]} documents for {values.shape[1]} coefficients; it needs "
            f"at least --min-documents {min_documents} more documents than coefficients"
        )
    for j, name in enumerate(matrix.columns):
        column = values[:, j]
        if name == "Intercept" or not np.isin(column, (0.0, 1.0)).all():
            continue
        ones = int(column.sum())
        fewest = min(ones, len(column) - ones)
        if fewest < min_documents:
            raise ConfigError(
                f"--formula {formula!r}: term {name} rests on {fewest} document(s); each level needs at least "
                f"--min-documents {min_documents} (merge rare levels, e.g. I(country == 'CHN'))"
            )
    if np.linalg.matrix_rank(values) < values.shape[1]:
        raise ConfigError(f"--formula {formula!r}: its terms are collinear over these documents ({values.shape[0]} "
                          f"documents, {values.shape[1]} columns); drop a term or a spline's degrees of freedom")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
