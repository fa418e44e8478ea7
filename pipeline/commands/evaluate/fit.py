"""Gold that does not fit the run it is scored against is refused, not scored: a label the run cannot predict,
or a span outside the text the run read, would lower the scores without saying why."""

from __future__ import annotations

from pathlib import Path
from pipeline.errors import MismatchError
from pipeline.commands.evaluate.gold import GoldUnit
from pipeline.store.read import RunTables, read_manifest


def check_labels(gold: list[GoldUnit], labels: list[str], gold_path: Path) -> None:
    """Every gold label must be a label of the run: one it cannot predict would score 0 without saying why."""
    unknown: dict[str, int] = {}
    for unit in gold:
        for label in (unit.primary, *unit.accept):
            if label not in labels:
                unknown.setdefault(label, unit.line)
    if unknown:
        named = ", ".join(f"'{label}' (line {line})" for label, line in list(unknown.items())[:5])
        raise MismatchError(
            f"{gold_path}: {len(unknown)} label(s) are not labels of the run: {named}; the run's labels are "
            f"{', '.join(labels)} (rename them in the gold file, or evaluate a run whose lexicon has them)"
        )


def check_spans(gold: list[GoldUnit], lengths: dict[str, int], doc_ids: dict[str, str], gold_path: Path) -> None:
    """Every span must lie inside its document's text as the run read it, or the gold was coded on other files."""
    outside = [u for u in gold if (n := lengths.get(doc_ids[u.doc])) is not None and u.end > n]
    if outside:
        unit = outside[0]
        raise MismatchError(
            f"{gold_path}:{unit.line}: span {unit.start}-{unit.end} lies outside '{unit.doc}' "
            f"({lengths[doc_ids[unit.doc]]} characters as the run read it); {len(outside)} unit(s) in all do"
        )


def document_lengths(run: RunTables) -> dict[str, int]:
    """Characters per doc_id: from the manifest when it has them, else up to each document's last paragraph."""
    manifest_path = run.path / "manifest.json"
    lengths = {}
    if manifest_path.is_file():
        for entry in read_manifest(run.path).get("inputs", []):
            lengths[str(entry.get("doc_id"))] = int(entry.get("n_chars", 0))
    paragraph_ends = run.paragraphs.groupby("doc_id")["end"].max()
    return {**{str(k): int(v) for k, v in paragraph_ends.items()}, **lengths}
