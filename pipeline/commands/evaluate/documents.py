"""Evaluate whole documents: each gold document's label against the run's theme weights for that document.

A document is predicted its top theme in documents.csv. "other" is left out of that choice: a document's
"other" weight is the share of its text that is generic or boilerplate, which in a news article can outweigh
any single theme without the article being about nothing. `accuracy_with_other` lets "other" win as well, for
gold files that code off-topic documents "other".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.store.read import RunTables
from pipeline.commands.evaluate.gold import GoldUnit
from pipeline.stages.weigh import OTHER

DOCUMENT_UNIT_COLUMNS = (
    "id", "doc", "doc_id", "primary", "accept", "predicted", "correct", "weight", "other",
    "predicted_with_other", "correct_with_other",
)  # fmt: skip


def predict_documents(gold: list[GoldUnit], run: RunTables, doc_ids: dict[str, str]) -> pd.DataFrame:
    """One row per gold document unit: its top theme and weight, its "other" weight, and the top label when
    "other" may win; see DOCUMENT_UNIT_COLUMNS."""
    labels = list(run.labels)
    themes = [label for label in labels if label != OTHER]
    weights = run.documents.set_index("doc_id")[labels].astype(float)
    rows = []
    has_other = labels[-1] == OTHER
    for unit in gold:
        row = weights.loc[doc_ids[unit.doc]].to_numpy()
        theme_weights = row[:-1] if has_other else row
        top = int(np.argmax(theme_weights))  # ties go to the first, as dominant_theme does
        predicted = themes[top] if theme_weights[top] > 0 else OTHER
        with_other = labels[int(np.argmax(row))]
        rows.append(
            {
                "id": unit.id,
                "doc": unit.doc,
                "doc_id": doc_ids[unit.doc],
                "primary": unit.primary,
                "accept": ";".join(unit.accepted),
                "predicted": predicted,
                "correct": predicted in unit.accepted,
                "weight": float(theme_weights[top]),
                "other": float(row[-1]) if has_other else 0.0,
                "predicted_with_other": with_other,
                "correct_with_other": with_other in unit.accepted,
            }
        )
    return pd.DataFrame(rows, columns=list(DOCUMENT_UNIT_COLUMNS))


def document_headline(units: pd.DataFrame) -> dict[str, float | int]:
    """The numbers summary.json adds for a document-level gold file."""
    return {
        "n_correct_with_other": int(units["correct_with_other"].sum()),
        "accuracy_with_other": round(float(units["correct_with_other"].mean()), 6),
    }
