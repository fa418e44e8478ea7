"""Gold files: hand-coded units read from JSONL or CSV, and their documents matched to a run's documents."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import pandas as pd

from pipeline.errors import InputError, MismatchError
from pipeline.stages.ingest import csv_rows, json_object

GOLD_REQUIRED_KEYS = ("id", "doc", "start", "end", "primary")


DOCUMENT_GOLD_KEYS = ("doc", "primary")  # a whole-document unit: no offsets, `id` defaults to `doc`


@dataclass(frozen=True)
class GoldUnit:
    """One hand-coded span [start, end) of a document file, or a whole document (start = end = None); `line` is
    its line number in the gold file."""

    id: str
    doc: str
    start: int | None
    end: int | None
    text: str
    primary: str
    accept: tuple[str, ...]
    line: int

    @property
    def accepted(self) -> tuple[str, ...]:
        return self.accept or (self.primary,)


def load_gold(path: Path) -> list[GoldUnit]:
    """Gold units from a JSONL or CSV file (id, doc, start, end, primary; optional text, accept; a whole-document
    file needs only doc and primary); InputError names the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: gold file does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder (expected a gold JSONL or CSV file)") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded)") from None
    units: list[GoldUnit] = []
    first_line_of: dict[str, int] = {}
    for number, row in _gold_rows(path, text):
        unit = _gold_unit(row, f"{path}:{number}", number)
        if unit.id in first_line_of:
            raise InputError(f"{path}:{number}: id '{unit.id}' already used on line {first_line_of[unit.id]}")
        if units and (unit.start is None) != (units[0].start is None):
            raise InputError(
                f"{path}:{number}: {'no start/end' if unit.start is None else 'start/end'}, unlike line "
                f"{units[0].line}; a gold file codes either spans (start, end) or whole documents (neither)"
            )
        first_line_of[unit.id] = number
        units.append(unit)
    if not units:
        raise InputError(f"{path}: no gold units (expected one JSON object per line, or a CSV row per unit)")
    return units


def _gold_rows(path: Path, text: str) -> Iterator[tuple[int, dict]]:
    if path.suffix.lower() == ".csv":
        # CSV cells are strings: offsets become integers, `accept` a ";"-separated list, empty cells absent.
        for number, row in csv_rows(path, text):
            row = {k: v for k, v in row.items() if v not in ("", None)}
            for key in ("start", "end"):
                if key in row and row[key].strip().isdigit():
                    row[key] = int(row[key])
            if "accept" in row:
                row["accept"] = [a.strip() for a in row["accept"].split(";") if a.strip()]
            yield number, row
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, json_object(line, f"{path}:{number}")


def _gold_unit(row: dict, where: str, number: int) -> GoldUnit:
    whole_document = "start" not in row and "end" not in row
    required = DOCUMENT_GOLD_KEYS if whole_document else GOLD_REQUIRED_KEYS
    missing = [k for k in required if k not in row]
    if missing:
        raise InputError(
            f"{where}: missing key(s) {', '.join(missing)} (each line needs {', '.join(GOLD_REQUIRED_KEYS)}; "
            f"a whole-document unit only {', '.join(DOCUMENT_GOLD_KEYS)})"
        )
    start, end = row.get("start"), row.get("end")
    if not whole_document and not (_is_int(start) and _is_int(end) and 0 <= start < end):
        raise InputError(f"{where}: start/end must be integers with 0 <= start < end, found {start!r}/{end!r}")
    for key in ("doc", "primary"):
        if not isinstance(row[key], str) or not row[key]:
            raise InputError(f"{where}: '{key}' must be a non-empty string, found {row[key]!r}")
    accept = row.get("accept") or []
    if not isinstance(accept, list) or not all(isinstance(a, str) and a for a in accept):
        raise InputError(f"{where}: 'accept' must be a list of labels, found {row.get('accept')!r}")
    text = row.get("text")
    if text is not None and not isinstance(text, str):
        raise InputError(f"{where}: 'text' must be a string, found {type(text).__name__}")
    return GoldUnit(
        id=str(row.get("id", row["doc"])),
        doc=row["doc"],
        start=start,
        end=end,
        text=text or "",
        primary=row["primary"],
        accept=tuple(accept),
        line=number,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def match_documents(gold: list[GoldUnit], documents: pd.DataFrame, gold_path: Path, run_dir: Path) -> dict[str, str]:
    """Gold `doc` -> run doc_id: by path suffix of `source` first ("sport/001.txt" only matches a source ending in
    those folders and name), else by doc_id equal to the name or, for a bare file name, its stem; InputError names
    an ambiguous or unmatched document."""
    source_parts = {doc_id: _path_parts(source) for doc_id, source in zip(documents["doc_id"], documents["source"])}
    known_ids = set(documents["doc_id"])
    matched: dict[str, str] = {}
    for unit in gold:
        if unit.doc in matched:
            continue
        parts = _path_parts(unit.doc)
        candidates = [doc_id for doc_id, source in source_parts.items() if parts and source[-len(parts) :] == parts]
        if not candidates:
            # A doc_id never stands for a file in a named folder: "sport/001.txt" falling back to the stem "001"
            # would pick whichever folder's 001 was read first, which is the silent mismatch this refuses.
            names = (unit.doc,) if len(parts) > 1 else (unit.doc, PurePath(unit.doc).stem)
            candidates = [name for name in names if name in known_ids][:1]
        if len(candidates) > 1:
            raise MismatchError(
                f"{gold_path}:{unit.line}: doc '{unit.doc}' matches several documents of {run_dir} "
                f"({', '.join(candidates)}); name it with its folder (e.g. 'sport/001.txt') or by doc_id"
            )
        if not candidates:
            names = sorted({source[-1] for source in source_parts.values() if source})
            available = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise MismatchError(
                f"{gold_path}:{unit.line}: doc '{unit.doc}' is not among the documents of {run_dir} ({available})"
            )
        matched[unit.doc] = candidates[0]
    return matched


def _path_parts(path: str) -> tuple[str, ...]:
    """The folders and name of a path, whichever separator it was written with ("#row" of a table kept)."""
    return tuple(part for part in str(path).replace("\\", "/").split("/") if part not in ("", "."))
