"""Document ids: stable, collision-free, Unicode letters kept, a changed user id said in a warning; and inputs
with the same bytes analysed once, each still reported under its own id."""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import replace
from pathlib import Path

from pipeline.errors import PipelineWarning
from pipeline.types import Document, DocumentCopy

# Letters and digits of any script stay ("économie"); separators, spaces and ".." (traversal) do not.
_UNSAFE_ID = re.compile(r"[^\w.-]+|\.{2,}")


def safe_id(raw: str, where: str = "") -> str:
    """File names become ids usable as file names and CSV keys: no separators, no traversal; Unicode letters kept
    (in NFC, as macOS spells a name in NFD). A user's own id (`where` says whose) that changes is a warning."""
    cleaned = (_UNSAFE_ID.sub("_", unicodedata.normalize("NFC", raw)).strip("._") or "doc")[:120]
    if where and cleaned != raw:
        _id_changed(where, raw, cleaned, "characters not allowed in an id became _")
    return cleaned


def _id_changed(where: str, raw: str, doc_id: str, why: str) -> None:
    message = f"{where}: id {raw!r} is doc_id {doc_id!r} in the outputs ({why}; `source` maps it back)"
    warnings.warn(PipelineWarning(message, reason="doc_id", action=""))


def merge_duplicates(documents: list[Document]) -> list[Document]:
    """The first of several documents with the same sha256 (same file bytes, or same table row) is analysed; each
    later one becomes one of its `copies` (copies already there, from an earlier merge, stay)."""
    first_with: dict[str, int] = {}
    unique: list[Document] = []
    for doc in documents:
        at = first_with.setdefault(doc.sha256, len(unique))
        if at == len(unique):
            unique.append(doc)
            continue
        first = unique[at]
        copies = (DocumentCopy(doc.doc_id, doc.title, doc.source, doc.date, doc.metadata), *doc.copies)
        unique[at] = replace(first, copies=first.copies + copies)
        message = f"{doc.source}: duplicate of {first.source} (same sha256); analysed once, reported under both names"
        warnings.warn(PipelineWarning(message, reason="duplicate", action="copied"))
    return unique


def unique_ids(documents: list[Document]) -> list[Document]:
    """Ids made unique in input order, a document's copies included: "a", "a-2", "a-3", never an id another
    document already has (a file named "a-2"); each renamed one is a warning."""
    wanted = {d.doc_id for doc in documents for d in (doc, *doc.copies)}
    last_suffix: dict[str, int] = {}
    given: set[str] = set()

    def unique(doc_id: str, source: str) -> str:
        candidate = doc_id
        if doc_id in given:
            n = last_suffix.get(doc_id, 1)
            while candidate in given or candidate in wanted:
                n += 1
                candidate = f"{doc_id}-{n}"
            last_suffix[doc_id] = n
            _id_changed(source, doc_id, candidate, "another document has the same id")
        given.add(candidate)
        return candidate

    entries = [(d.doc_id, d.source) for doc in documents for d in (doc, *doc.copies)]
    # A file whose name is already its id keeps it; a name that had to be changed gives way ("a_b.txt" stays "a_b"
    # when "a b.txt" sorts first).
    order = sorted(range(len(entries)), key=lambda i: not _is_own_name(*entries[i]))
    assigned = {i: unique(*entries[i]) for i in order}
    ids = iter(assigned[i] for i in range(len(entries)))
    return [
        replace(doc, doc_id=next(ids), copies=tuple(replace(c, doc_id=next(ids)) for c in doc.copies))
        for doc in documents
    ]


def _is_own_name(doc_id: str, source: str) -> bool:
    return "#" not in source and unicodedata.normalize("NFC", Path(source).stem) == doc_id
