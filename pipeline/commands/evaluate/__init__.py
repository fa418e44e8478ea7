"""Evaluate: score a run folder against hand-coded gold units (JSONL or CSV), per paragraph unit and per document.

A gold file codes spans (`start`/`end` offsets) or whole documents (no offsets; see `documents.py`).
Each span unit takes the dominant theme of the run paragraph that overlaps it most (in characters of the
original file); a dropped paragraph, or no overlapping paragraph, predicts "other". A prediction listed in the
unit's `accept` is correct. Precision/recall/F1 compare predictions with the *effective gold*: the predicted
label when it is accepted, else the primary label, so an accepted alternative counts as a hit for that label.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.table import Table
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from pipeline.store.artifacts import KEPT, write_csv
from pipeline.store.manifest import write_folder_manifest
from pipeline.errors import InputError, PipelineError
from pipeline.store.read import load_run
from pipeline.commands.evaluate.documents import document_headline, predict_documents
from pipeline.commands.evaluate.fit import check_labels, check_spans, document_lengths
from pipeline.commands.evaluate.gold import GoldUnit, load_gold, match_documents
from pipeline.stages.weigh import OTHER

FLOAT_FORMAT = "%.6f"
UNIT_COLUMNS = ("id", "doc", "start", "end", "primary", "accept", "predicted", "correct", "paragraph", "status")
DISTANCE_COLUMNS = ("tv_distance", "hellinger_distance", "tv_distance_themes", "hellinger_distance_themes")


@dataclass(frozen=True)
class Evaluation:
    """Scores of one run against one gold file; the frames are the CSVs that `write_evaluation` writes."""

    run_dir: Path
    gold_path: Path
    labels: list[str]
    macro_labels: list[str]
    macro_f1: float
    accuracy: float
    units: pd.DataFrame
    per_theme: pd.DataFrame
    confusion: pd.DataFrame
    documents: pd.DataFrame
    level: str = "paragraph"  # "document" when the gold codes whole documents

    def summary(self) -> dict[str, Any]:
        distances = {f"mean_{c}": _round(self.documents[c].mean()) for c in DISTANCE_COLUMNS}
        return {
            "run_dir": str(self.run_dir),
            "gold": str(self.gold_path),
            "level": self.level,
            "n_units": int(len(self.units)),
            "n_correct": int(self.units["correct"].sum()),
            "accuracy": _round(self.accuracy),
            "macro_f1": _round(self.macro_f1),
            "macro_f1_labels": self.macro_labels,
            "n_documents": int(len(self.documents)),
            **distances,
            **(document_headline(self.units) if self.level == "document" else {}),
        }


# ---------------------------------------------------------------------------------------------------- loading


# ------------------------------------------------------------------------------------------------- evaluation


def evaluate(run_dir: Path, gold_path: Path) -> Evaluation:
    """Score the run folder `run_dir` against the gold units in `gold_path` (JSONL)."""
    run = load_run(run_dir)
    gold = load_gold(gold_path)
    doc_ids = match_documents(gold, run.documents, Path(gold_path), run.path)
    gold_labels = {label for unit in gold for label in (unit.primary, *unit.accept)}
    check_labels(gold, run.labels, Path(gold_path))
    labels = run.labels + sorted(gold_labels - set(run.labels))
    whole_documents = gold[0].start is None
    if not whole_documents:
        check_spans(gold, document_lengths(run), doc_ids, Path(gold_path))
    if whole_documents:
        units = predict_documents(gold, run, doc_ids)
    else:
        check_offsets(gold, run.paragraphs, doc_ids, Path(gold_path))
        units = predict_units(gold, run.paragraphs, doc_ids)
    per_theme, confusion = score_units(units, labels)
    macro_labels = per_theme.loc[per_theme["in_macro"], "label"].tolist()
    return Evaluation(
        run_dir=run.path,
        gold_path=Path(gold_path),
        labels=labels,
        macro_labels=macro_labels,
        macro_f1=float(per_theme.loc[per_theme["in_macro"], "f1"].mean()),
        accuracy=float(units["correct"].mean()),
        units=units,
        per_theme=per_theme,
        confusion=confusion,
        documents=document_distances(gold, run.documents, doc_ids, labels),
        level="document" if whole_documents else "paragraph",
    )


def check_offsets(gold: list[GoldUnit], paragraphs: pd.DataFrame, doc_ids: dict[str, str], gold_path: Path) -> None:
    """Gold text must equal the run's text at the same offsets, or the two were made from different files."""
    by_doc = {doc_id: frame for doc_id, frame in paragraphs.groupby("doc_id", sort=False)}
    for unit in gold:
        frame = by_doc.get(doc_ids[unit.doc])
        if not unit.text or frame is None:
            continue
        inside = frame[(frame["start"] <= unit.start) & (frame["end"] >= unit.end)]
        if inside.empty:
            continue  # the unit spans paragraphs or blank lines: no single slice to compare with
        row = inside.iloc[0]
        found = row["text"][unit.start - row["start"] : unit.end - row["start"]]
        if found != unit.text:
            raise InputError(
                f"{gold_path}:{unit.line}: text at {unit.start}-{unit.end} of '{unit.doc}' differs from the run's "
                f"({unit.text[:30]!r} vs {found[:30]!r}); offsets must index the same file the run read"
            )


def predict_units(gold: list[GoldUnit], paragraphs: pd.DataFrame, doc_ids: dict[str, str]) -> pd.DataFrame:
    """One row per gold unit: the paragraph overlapping it most (first on ties) and its label; see UNIT_COLUMNS."""
    by_doc = {doc_id: frame.sort_values("start") for doc_id, frame in paragraphs.groupby("doc_id", sort=False)}
    empty = paragraphs.iloc[0:0]
    rows = []
    for unit in gold:
        frame = by_doc.get(doc_ids[unit.doc], empty)
        overlap = np.minimum(frame["end"].to_numpy(), unit.end) - np.maximum(frame["start"].to_numpy(), unit.start)
        best = int(np.argmax(overlap)) if len(overlap) else -1
        if best >= 0 and overlap[best] > 0:
            paragraph = frame.iloc[best]
            status = paragraph["status"]
            predicted = paragraph["dominant_theme"] if status == KEPT else OTHER
            index = int(paragraph["paragraph"])
        else:
            status, predicted, index = "", OTHER, None
        rows.append(
            {
                "id": unit.id,
                "doc": unit.doc,
                "start": unit.start,
                "end": unit.end,
                "primary": unit.primary,
                "accept": ";".join(unit.accepted),
                "predicted": predicted,
                "correct": predicted in unit.accepted,
                "paragraph": index,
                "status": status,
            }
        )
    units = pd.DataFrame(rows, columns=list(UNIT_COLUMNS))
    units["paragraph"] = units["paragraph"].astype("Int64")
    return units


def effective_gold(units: pd.DataFrame) -> pd.Series:
    """The predicted label where it was accepted, else the primary label."""
    return units["predicted"].where(units["correct"], units["primary"])


def score_units(units: pd.DataFrame, labels: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-label precision/recall/F1 (0 when undefined) and the confusion matrix (rows gold, columns predicted)."""
    gold = effective_gold(units)
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, units["predicted"], labels=labels, zero_division=0.0
    )
    predicted_counts = units["predicted"].value_counts()
    per_theme = pd.DataFrame(
        {
            "label": labels,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": support,
            "predicted": [int(predicted_counts.get(label, 0)) for label in labels],
        }
    )
    # Labels nobody used, in gold or predictions, would add a meaningless 0 to the macro average.
    per_theme["in_macro"] = (per_theme["support"] > 0) | (per_theme["predicted"] > 0)
    matrix = confusion_matrix(gold, units["predicted"], labels=labels)
    confusion = pd.DataFrame(matrix, columns=labels)
    confusion.insert(0, "gold", labels, allow_duplicates=True)
    return per_theme, confusion


def document_distances(
    gold: list[GoldUnit], documents: pd.DataFrame, doc_ids: dict[str, str], labels: list[str]
) -> pd.DataFrame:
    """Per gold document: total-variation and Hellinger distance between its theme weights and the gold shares.

    Gold shares are the primary labels weighted by unit text length. The `_themes` variants leave out "other"
    and renormalize both sides, since documents.csv weighs kept paragraphs only and so rarely shows "other".
    """
    predicted_rows = documents.set_index("doc_id")
    units_of: dict[str, list[GoldUnit]] = {}
    for unit in gold:
        units_of.setdefault(unit.doc, []).append(unit)
    rows = []
    for doc, doc_id in doc_ids.items():
        shares = pd.Series(0.0, index=labels)
        for unit in units_of[doc]:
            shares[unit.primary] += len(unit.text) or (1 if unit.start is None else unit.end - unit.start)
        weights = predicted_rows.loc[doc_id].reindex(labels, fill_value=0.0).astype(float)
        themes = [label for label in labels if label != OTHER]
        tv, hellinger = _distances(shares.to_numpy(), weights.to_numpy())
        tv_themes, hellinger_themes = _distances(shares[themes].to_numpy(), weights[themes].to_numpy())
        rows.append(
            {
                "doc": doc,
                "doc_id": doc_id,
                "n_units": len(units_of[doc]),
                "tv_distance": tv,
                "hellinger_distance": hellinger,
                "tv_distance_themes": tv_themes,
                "hellinger_distance_themes": hellinger_themes,
            }
        )
    return pd.DataFrame(rows)


def _distances(p: np.ndarray, q: np.ndarray) -> tuple[float, float]:
    """(total variation = L1/2, Hellinger) of two weight vectors after normalizing each; NaN if either is all 0."""
    if p.sum() <= 0 or q.sum() <= 0:
        return float("nan"), float("nan")
    p, q = p / p.sum(), q / q.sum()
    tv = 0.5 * float(np.abs(p - q).sum())
    hellinger = float(np.sqrt(0.5 * ((np.sqrt(p) - np.sqrt(q)) ** 2).sum()))
    return tv, hellinger


# --------------------------------------------------------------------------------------------- writing, display


def write_evaluation(evaluation: Evaluation, out_dir: Path) -> Path:
    """Write the CSVs and summary.json into a temporary folder, then swap it in for `out_dir` (replacing it)."""
    out_dir = Path(out_dir)
    temporary = out_dir.parent / f".tmp-{out_dir.name}-{os.getpid()}"
    previous = out_dir.parent / f".old-{out_dir.name}-{os.getpid()}"
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir()
        _write_csv(evaluation.per_theme, temporary / "per_theme.csv")
        _write_csv(evaluation.confusion, temporary / "confusion.csv")
        _write_csv(evaluation.units, temporary / "units.csv")
        _write_csv(evaluation.documents, temporary / "documents.csv")
        summary = json.dumps(evaluation.summary(), indent=2, ensure_ascii=False) + "\n"
        (temporary / "summary.json").write_text(summary, encoding="utf-8")
        write_folder_manifest(temporary, "themes evaluate")
        if out_dir.exists():
            os.replace(out_dir, previous)
        try:
            os.replace(temporary, out_dir)
        except OSError:
            if previous.exists():
                os.replace(previous, out_dir)
            raise
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise PipelineError(f"{out_dir}: cannot write the evaluation ({exc.strerror or exc})") from None
    shutil.rmtree(previous, ignore_errors=True)
    return out_dir


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    write_csv(frame, path, float_format=FLOAT_FORMAT)


def evaluation_tables(evaluation: Evaluation) -> list[Table | str]:
    """What `themes evaluate` prints: per-label scores, the headline numbers, per-document distances."""
    scores = Table(title="Per theme (effective gold: prediction if accepted, else primary)", title_justify="left")
    for name in ("label", "precision", "recall", "F1", "support", "predicted"):
        scores.add_column(name, justify="left" if name == "label" else "right")
    for row in evaluation.per_theme.itertuples():
        label = row.label if row.in_macro else f"{row.label} (unused)"
        numbers = (f"{row.precision:.3f}", f"{row.recall:.3f}", f"{row.f1:.3f}", str(row.support), str(row.predicted))
        scores.add_row(label, *numbers)
    units = evaluation.units
    headline = (
        f"macro-F1 {evaluation.macro_f1:.3f} over the {len(evaluation.macro_labels)} labels present in gold or "
        f"predictions; accuracy {evaluation.accuracy:.3f} ({int(units['correct'].sum())}/{len(units)} units)"
    )
    if evaluation.level == "document":
        extra = document_headline(units)
        headline = (
            f"{headline.replace(' units)', ' documents, each its top theme)')}; "
            f"accuracy {extra['accuracy_with_other']:.3f} ({extra['n_correct_with_other']}/{len(units)}) "
            'when "other" may win'
        )
        return [scores, headline]  # one distance row per document would bury the headline; see documents.csv
    docs = Table(title="Documents: distance of theme weights to gold shares", title_justify="left")
    for name in ("doc", "units", "TV", "Hellinger", "TV themes", "Hellinger themes"):
        docs.add_column(name, justify="left" if name == "doc" else "right", overflow="fold")
    for row in evaluation.documents.itertuples():
        docs.add_row(row.doc, str(row.n_units), *(f"{getattr(row, c):.3f}" for c in DISTANCE_COLUMNS))
    means = evaluation.documents[list(DISTANCE_COLUMNS)].mean()
    docs.add_row("mean", "", *(f"{means[c]:.3f}" for c in DISTANCE_COLUMNS), style="bold")
    return [scores, headline, docs]


def _round(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 6)
