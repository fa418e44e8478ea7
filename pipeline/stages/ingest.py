"""Ingest: read a directory, glob or single file of documents into `Document`s (the one stage that reads input)."""

from __future__ import annotations

import csv
import io
import glob
import hashlib
import json
import re
from datetime import datetime
from importlib import resources
from pathlib import Path

from pipeline.config import IngestConfig
from pipeline.errors import InputError
from pipeline.types import Document

TABLE_SUFFIXES = (".jsonl", ".csv")
_GLOB_CHARS = re.compile(r"[*?\[]")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9._-]+|\.{2,}")
_RELEASE_TIME = re.compile(
    r"^[ \t]*(?:release time|release date|published|publish time|date)[ \t]*[:：][ \t]*(?P<value>[^\r\n]+)",
    re.IGNORECASE | re.MULTILINE,
)
_LEADING_DATE = re.compile(r"^\s*date\s+(?P<value>\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%Y/%m/%d", "%Y.%m.%d")
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2}){0,2}$")


def sample_corpus_dir() -> Path:
    """The bundled sample corpus (five cyberspace-policy articles), installed as package data."""
    return Path(str(resources.files("pipeline") / "data" / "sample"))


def ingest(config: IngestConfig) -> list[Document]:
    """Read every document named by `config.path` (bundled sample when empty), in a stable order."""
    files = _resolve_files(config)
    pattern = _compile_filename_pattern(config.filename_pattern)
    documents: list[Document] = []
    for path in files:
        if path.suffix.lower() in TABLE_SUFFIXES:
            documents.extend(_read_table(path, config))
        else:
            documents.append(_read_text_file(path, config, pattern))
    return _unique_ids(documents)


def input_files(config: IngestConfig) -> list[Path]:
    """The files `ingest` reads for `config`, in its order (InputError when there are none)."""
    return _resolve_files(config)


def ingest_all(configs: list[IngestConfig]) -> list[Document]:
    """`ingest` for each config (several paths with the same settings), ids made unique across them."""
    return _unique_ids([doc for config in configs for doc in ingest(config)])


def _resolve_files(config: IngestConfig) -> list[Path]:
    raw = config.path or str(sample_corpus_dir())
    suffixes = tuple(s.lower() for s in config.extensions)
    path = Path(raw).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        candidates = [p for p in path.rglob("*") if p.is_file()]
        where = f"folder {raw}"
    elif _GLOB_CHARS.search(raw):
        candidates = [Path(p) for p in glob.glob(raw, recursive=True) if Path(p).is_file()]
        suffixes += TABLE_SUFFIXES
        where = f"glob {raw}"
    else:
        raise InputError(f"ingest.path: {raw} does not exist (expected a file, folder or glob)")
    files = sorted((p for p in candidates if p.suffix.lower() in suffixes and not p.name.startswith(".")), key=str)
    if not files:
        raise InputError(f"ingest.path: {where} holds no {'/'.join(suffixes)} files")
    return files


def _compile_filename_pattern(pattern: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InputError(f"ingest.filename_pattern: not a valid regex ({exc})") from None


def _read_text_file(path: Path, config: IngestConfig, pattern: re.Pattern[str] | None) -> Document:
    data = path.read_bytes()
    text = decode(data, path)
    metadata = {}
    if pattern is not None and (match := pattern.search(path.name)):
        metadata = {k: v for k, v in match.groupdict().items() if v is not None}
    return Document(
        doc_id=_safe_id(path.stem),
        title=first_line_title(text),
        source=str(path.resolve()),
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        date=find_date(text) or _metadata_date(metadata, config.date_field),
        metadata=metadata,
    )


def decode(data: bytes, path: Path) -> str:
    """UTF-8 text as written; a leading BOM is removed so offsets match what a UTF-8-sig reader sees."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded)") from None


def _read_table(path: Path, config: IngestConfig) -> list[Document]:
    rows = _jsonl_rows(path) if path.suffix.lower() == ".jsonl" else _csv_rows(path)
    documents = []
    for row_number, row in rows:
        if config.text_column not in row:
            available = ", ".join(sorted(row)) or "none"
            raise InputError(
                f"{path}:{row_number}: no column '{config.text_column}' (ingest.text_column); columns: {available}"
            )
        text = str(row[config.text_column] or "")
        metadata = {k: str(v) for k, v in row.items() if k != config.text_column and v is not None}
        doc_id = str(row.get(config.id_column, "")) if config.id_column else ""
        title = str(row.get(config.title_column, "")) if config.title_column else ""
        row_bytes = json.dumps(row, sort_keys=True, ensure_ascii=False).encode()
        documents.append(
            Document(
                doc_id=_safe_id(doc_id or f"{path.stem}-{row_number}"),
                title=title or first_line_title(text),
                source=f"{path.resolve()}#{row_number}",
                sha256=hashlib.sha256(row_bytes).hexdigest(),
                text=text,
                date=find_date(text) or _metadata_date(metadata, config.date_field),
                metadata=metadata,
            )
        )
    return documents


def _jsonl_rows(path: Path):
    text = decode(path.read_bytes(), path)
    # JSON Lines records end at "\n" only; str.splitlines would also split at U+2028 inside strings.
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        yield line_number, json_object(line, f"{path}:{line_number}")


def json_object(line: str, where: str) -> dict:
    """One JSON Lines record as a dict, or a one-line InputError naming `where` (file:line)."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a JSON object, found {type(row).__name__}")
    return row


def _csv_rows(path: Path):
    text = decode(path.read_bytes(), path)
    # The csv module finds record ends itself (quoted newlines, form feeds in text); splitlines would not.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    # Row numbers count the header as line 1, as a spreadsheet shows them.
    for row_number, row in enumerate(reader, start=2):
        yield row_number, {k: v for k, v in row.items() if k is not None}


def first_line_title(text: str, max_chars: int = 300) -> str:
    """The first non-blank line, without a leading "date YYYY-MM-DD", as the title."""
    for line in text.splitlines():
        stripped = _LEADING_DATE.sub("", line).strip()
        if stripped:
            return stripped[:max_chars]
    return ""


def find_date(text: str, head_chars: int = 2000) -> str:
    """A date the text states near its top ("Release time: Apr 14, 2024", "date 2023-03-02"), as ISO, or ""."""
    head = text[:head_chars]
    if match := _LEADING_DATE.search(head):
        return _parse_date(match["value"])
    if match := _RELEASE_TIME.search(head):
        return _parse_date(match["value"])
    return ""


def _parse_date(value: str) -> str:
    value = value.strip()
    for candidate in (value, " ".join(value.split()[:3])):
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date().isoformat()
            except ValueError:
                continue
    return ""


def _metadata_date(metadata: dict[str, str], field: str) -> str:
    value = metadata.get(field, "").strip() if field else ""
    if _PARTIAL_DATE.match(value):
        return value
    return _parse_date(value) if value else ""


def _safe_id(raw: str) -> str:
    """File names become ids usable as file names and CSV keys: no separators, no traversal."""
    cleaned = _UNSAFE_ID.sub("_", raw).strip("._") or "doc"
    return cleaned[:120]


def _unique_ids(documents: list[Document]) -> list[Document]:
    seen: dict[str, int] = {}
    unique = []
    for doc in documents:
        count = seen.get(doc.doc_id, 0)
        seen[doc.doc_id] = count + 1
        if count:
            doc = Document(**{**doc.__dict__, "doc_id": f"{doc.doc_id}-{count + 1}"})
        unique.append(doc)
    return unique
