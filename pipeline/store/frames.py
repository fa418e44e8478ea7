"""The run's output tables as frames with fixed schemas (the columns docs/outputs.md describes); writing them is
artifacts.py's job."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Config
from pipeline.stages.label import document_tfidf_terms
from pipeline.stages.surface import evidence_terms, readable_evidence, surface_forms
from pipeline.store.artifacts import KEPT, text_column
from pipeline.types import (
    Document, DocumentCopy, Paragraph, ThemeStability, ThemeTerms, ThemeWeights, TopicAlignment,
    TopicLabels, TopicModel, Tokenized, Vectors,
)


def format_terms(terms: list[tuple[str, float]], surface: dict[str, str]) -> str:
    """"digital economy:0.041200; industry:0.030100" with display forms (readable in a spreadsheet cell)."""
    return "; ".join(f"{surface.get(t, t)}:{w:.6f}" for t, w in terms)


def paragraph_table(
    documents: list[Document],
    paragraphs: list[Paragraph],
    tokenized: Tokenized,
    weights: ThemeWeights,
) -> pd.DataFrame:
    source = {d.doc_id: d.source for d in documents}
    columns = weights.columns
    dominant = [columns[int(np.argmax(row))] for row in weights.paragraph]
    frame = pd.DataFrame(
        {
            "doc_id": text_column(p.doc_id for p in paragraphs),
            "source": text_column(source[p.doc_id] for p in paragraphs),
            "paragraph": [p.index for p in paragraphs],
            "start": [p.start for p in paragraphs],
            "end": [p.end for p in paragraphs],
            "n_tokens": tokenized.token_ids.lengths(),
            "status": text_column(KEPT if p.kept else p.drop_reason for p in paragraphs),
            "dominant_theme": text_column(dominant),
        }
    )
    frame = pd.concat([frame, pd.DataFrame(weights.paragraph, columns=columns)], axis=1)
    if weights.paragraph_evidence:
        frame["evidence"] = text_column(weights.paragraph_evidence)
    frame["text"] = text_column(p.text for p in paragraphs)
    return _with_copies(frame, documents, {"source": lambda _, c: c.source})


def document_table(
    documents: list[Document],
    paragraphs: list[Paragraph],
    tokenized: Tokenized,
    weights: ThemeWeights,
    doc_terms: list[list[tuple[str, float]]],
    display: dict[str, str],
) -> pd.DataFrame:
    kept = {d.doc_id: 0 for d in documents}
    tokens = dict(kept)
    for p, length in zip(paragraphs, tokenized.token_ids.lengths().tolist()):
        if p.kept:
            kept[p.doc_id] += 1
            tokens[p.doc_id] += length
    metadata_keys = sorted(
        {k for d in documents for k in d.metadata}
        | {k for d in documents for c in d.copies for k in c.metadata}
    )
    frame = pd.DataFrame(
        {
            "doc_id": [d.doc_id for d in documents],
            "title": [d.title for d in documents],
            "date": [d.date for d in documents],
            "source": [d.source for d in documents],
            "language": [d.language for d in documents],
            "n_paragraphs": [kept[d.doc_id] for d in documents],
            "n_tokens": [tokens[d.doc_id] for d in documents],
        }
    )
    frame = pd.concat([frame, pd.DataFrame(weights.document, columns=weights.columns)], axis=1)
    if weights.document_lo is not None and weights.document_hi is not None:
        for j, column in enumerate(weights.columns):
            frame[f"{column}_lo"] = weights.document_lo[:, j]
            frame[f"{column}_hi"] = weights.document_hi[:, j]
    frame["top_terms"] = [format_terms(t, display) for t in doc_terms]
    for key in metadata_keys:
        if key not in frame.columns:
            frame[f"meta_{key}"] = [d.metadata.get(key, "") for d in documents]
    copied: dict[str, Callable[[Document, DocumentCopy], str]] = {
        "title": lambda _, c: c.title,
        "date": lambda _, c: c.date,
        "source": lambda _, c: c.source,
        **{f"meta_{k}": (lambda _, c, k=k: c.metadata.get(k, "")) for k in metadata_keys if f"meta_{k}" in frame},
    }
    if any(d.copies for d in documents):
        frame.insert(frame.columns.get_loc("source") + 1, "duplicate_of", "")
        copied["duplicate_of"] = lambda d, _: d.doc_id
    return _with_copies(frame, documents, copied)


def _with_copies(
    frame: pd.DataFrame, documents: list[Document], columns: dict[str, Callable[[Document, DocumentCopy], str]]
) -> pd.DataFrame:
    """Each document's rows followed by the same rows for each of its copies (see `Document.copies`), with the
    copy's id and the text `columns` (name -> value for a document's copy) set from the copy."""
    if not any(d.copies for d in documents):
        return frame
    rows_of = frame.groupby("doc_id", sort=False).indices
    index: list[np.ndarray] = []
    copy_rows: list[tuple[int, Document, DocumentCopy]] = []
    at = 0
    for doc in documents:
        rows = rows_of.get(doc.doc_id, np.array([], dtype=np.intp))
        for copy in (None, *doc.copies):
            index.append(rows)
            if copy is not None:
                copy_rows.extend((at + i, doc, copy) for i in range(len(rows)))
            at += len(rows)
    result = frame.iloc[np.concatenate(index)].reset_index(drop=True)
    where = [row for row, _, _ in copy_rows]
    for name, get in {"doc_id": lambda _, c: c.doc_id, **columns}.items():
        values = result[name].to_numpy(dtype=object, copy=True)
        values[where] = [get(doc, copy) for _, doc, copy in copy_rows]
        result[name] = text_column(values)
    return result


def topic_table(topic_model: TopicModel, labels: TopicLabels, surface: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "topic": list(range(len(labels.theme))),
            "theme": labels.theme,
            "label_score": labels.score,
            "seed_theme": topic_model.seed_theme,
            "top_terms": [format_terms(t, surface) for t in labels.top_terms],
            "tfidf_terms": [format_terms(t, surface) for t in labels.tfidf_terms],
        }
    )


def coverage_table(
    lexicon_themes: dict[str, list[str]],
    theme_terms: dict[str, list[str]],
    present: set[str],
    spelling: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Per theme: which seed terms (as written in the lexicon, by `spelling` of their normalized form) are
    `present` (occur in the kept paragraphs) and which are not."""
    spelling = spelling or {}
    rows = []
    for theme, seeds in lexicon_themes.items():
        normalized = theme_terms.get(theme, [])
        found = [t for t in normalized if t in present]
        missing = [t for t in normalized if t not in present]
        rows.append(
            {
                "theme": theme,
                "n_seeds": len(seeds),
                "n_found": len(found),
                "coverage": len(found) / len(normalized) if normalized else 0.0,
                "found": "; ".join(spelling.get(t, t.replace("_", " ")) for t in found),
                "missing": "; ".join(spelling.get(t, t.replace("_", " ")) for t in missing),
            }
        )
    return pd.DataFrame(rows)


def theme_terms_shown(theme_terms: ThemeTerms, terms: list[str]) -> list[str]:
    """The terms theme_terms.csv lists: those with a weight > 0 for some theme."""
    return [terms[i] for i in np.flatnonzero((theme_terms.weights > 0).any(axis=1))]


def paragraphs_per_term(counts: Any) -> np.ndarray:
    """How many rows of a paragraphs x terms count matrix hold each term (theme_terms.csv's `paragraphs`)."""
    if counts.has_canonical_format and (counts.data > 0).all():
        # One positive entry per (row, term): counting entries counts rows, without a boolean copy of the matrix.
        return np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.int64)
    return np.asarray((counts > 0).sum(axis=0)).ravel()


def theme_terms_table(
    themes: list[str], theme_terms: ThemeTerms, terms: list[str], doc_freq: np.ndarray, display: dict[str, str]
) -> pd.DataFrame:
    """Long format: one row per (theme, term) with weight > 0, seeds flagged, heaviest first within a theme; `term`
    as people read it (`display`, which holds every term listed), `term_normalized` as the model and the lexicon
    matching use it; `paragraphs` from `paragraphs_per_term` over the evidence terms `terms`."""
    rows = []
    for j, theme in enumerate(themes):
        column = theme_terms.weights[:, j]
        for i in np.lexsort((np.arange(len(column)), -column)):
            if column[i] <= 0:
                break
            term = terms[i]
            rows.append(
                {
                    "theme": theme,
                    "term": display[term],
                    "term_normalized": term,
                    "weight": float(column[i]),
                    "is_seed": bool(theme_terms.is_seed[i, j]),
                    "paragraphs": int(doc_freq[i]),
                }
            )
    return pd.DataFrame(rows, columns=["theme", "term", "term_normalized", "weight", "is_seed", "paragraphs"])


def theme_stability_table(stability: ThemeStability) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "theme": stability.themes,
            "stability": stability.stability,
            "labeled_share": stability.labeled_share,
            "top_terms_agreement": stability.top_terms_agreement,
            "topic_stability": stability.topic_stability,
            "mean_interval": stability.mean_interval,
        }
    )


def topic_stability_table(alignment: TopicAlignment, labels: TopicLabels) -> pd.DataFrame:
    """One row per topic of the first replicate; `matched` = "seed:topic" of its match in every other replicate."""
    others = range(1, len(alignment.seeds))
    return pd.DataFrame(
        {
            "topic": list(range(len(labels.theme))),
            "theme": labels.theme,
            "stability": alignment.stability,
            "label_agreement": alignment.label_agreement,
            "matched": [
                "; ".join(f"{alignment.seeds[r]}:{alignment.matched[r, k]}" for r in others)
                for k in range(len(labels.theme))
            ],
        }
    )


def document_seeds_table(doc_ids: list[str], seeds: list[int], weights: ThemeWeights) -> pd.DataFrame:
    """Long format: one row per (document, seed replicate) with that replicate's document weights.

    `themes effects` draws the measurement uncertainty of the shares from these rows; documents.csv keeps their mean.
    """
    replicates = weights.document_replicates
    if replicates is None:
        raise ValueError("document_seeds_table needs the replicate weights of a run with model.seeds > 1")
    frame = pd.DataFrame(replicates.reshape(-1, replicates.shape[2]), columns=weights.columns)
    frame.insert(0, "seed", np.repeat(seeds, len(doc_ids)))
    frame.insert(0, "doc_id", doc_ids * len(seeds))
    return frame


def weight_tables(
    documents: list[Document],
    paragraphs: list[Paragraph],
    tokenized: Tokenized,
    vectors: Vectors,
    weights: ThemeWeights,
    config: Config,
    *,
    shown: Iterable[str] = (),
    display: dict[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """paragraphs.csv and documents.csv as frames (a run and `themes infer` write the same schema), and the
    display form of their terms and of the other `shown` ones (counted in one pass over the paragraphs), or terms
    shown by a given `display` ({}: as normalized, for an engine that counts the forms over parts of a corpus)."""
    rows_of: dict[str, list[int]] = {d.doc_id: [] for d in documents}
    for i, p in enumerate(paragraphs):
        if p.kept:
            rows_of[p.doc_id].append(i)
    doc_terms = document_tfidf_terms(vectors, list(rows_of.values()), config.label.top_terms)
    terms = {*shown, *(t for terms in doc_terms for t, _ in terms), *evidence_terms(weights.paragraph_evidence)}
    if display is None:
        display = surface_forms(paragraphs, tokenized, terms, config.tokenize)
    readable = replace(weights, paragraph_evidence=[readable_evidence(e, display) for e in weights.paragraph_evidence])
    tables = {
        "paragraphs.csv": paragraph_table(documents, paragraphs, tokenized, readable),
        "documents.csv": document_table(documents, paragraphs, tokenized, readable, doc_terms, display),
    }
    return tables, display
