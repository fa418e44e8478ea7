"""Ingest: read a directory, glob or single file of documents into `Document`s (the one stage that reads input).

Bad files do not stop a run when the rest can be read: binary and empty files are skipped, a duplicate (same
sha256) is analysed once and reported under each name (`Document.copies`), and text that is not UTF-8 is
decoded as cp1252 or Latin-1, each with a `PipelineWarning` the runner records. Files that
cannot be read as asked (a malformed JSON line, a missing text column) are an `InputError` naming file and line.
"""

from __future__ import annotations

import codecs
import csv
import glob
import hashlib
import io
import json
import re
import warnings
from dataclasses import replace
from datetime import datetime
from importlib import resources
from pathlib import Path

from pipeline.config import IngestConfig
from pipeline.errors import InputError, PipelineWarning
from pipeline.stages.chinese import detect_language
from pipeline.types import Document, DocumentCopy

TABLE_SUFFIXES = (".jsonl", ".csv")
# A byte-order mark names the encoding; UTF-32 comes first because its little-endian mark starts like UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Unmarked text that is not UTF-8 is most often Windows "ANSI" (cp1252); Latin-1 maps every byte, so it ends the list.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or .docx/.xlsx/.epub)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office 97 document (.doc/.xls)"),
    (b"\x7fELF", "executable"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
)
# C0 controls other than tab, line breaks, form feed and escape: text has almost none, binary data many.
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])
_BINARY_CONTROL_SHARE = 0.1
# The csv module refuses fields over 128 KiB by default; a long article in one cell is still text.
_CSV_FIELD_LIMIT = 2**31 - 1
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
        documents.extend(read_file(path, config, pattern))
    if not documents:
        raise InputError(
            f"ingest.path: none of the {len(files)} input file(s) holds text to analyse "
            "(each was empty or binary; see the warnings)"
        )
    return _merge_duplicates(_unique_ids(_with_languages(documents, config.language)))


def _with_languages(documents: list[Document], language: str) -> list[Document]:
    """Each document with its language: the configured one, or detected from its own text ("auto")."""
    return [replace(d, language=detect_language(d.text) if language == "auto" else language) for d in documents]


def input_files(config: IngestConfig) -> list[Path]:
    """The files `ingest` reads for `config`, in its order (InputError when there are none)."""
    return _resolve_files(config)


def ingest_all(configs: list[IngestConfig]) -> list[Document]:
    """`ingest` for each config (several paths with the same settings), ids made unique across them."""
    documents = _unique_ids([doc for config in configs for doc in ingest(config)])
    return _merge_duplicates(documents)


def _resolve_files(config: IngestConfig) -> list[Path]:
    raw = config.path or str(sample_corpus_dir())
    try:
        return _list_files(raw, tuple(s.lower() for s in config.extensions))
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte in it, a folder we may not list
        raise InputError(f"ingest.path: cannot use {raw!r} ({exc})") from None


def _list_files(raw: str, suffixes: tuple[str, ...]) -> list[Path]:
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
        names = "/".join(s or "suffix-less" for s in suffixes)
        raise InputError(f"ingest.path: {where} holds no {names} files (ingest.extensions names the types to read)")
    return files


def _compile_filename_pattern(pattern: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InputError(f"ingest.filename_pattern: not a valid regex ({exc})") from None


def read_file(path: Path, config: IngestConfig, pattern: re.Pattern[str] | None = None) -> list[Document]:
    """The documents in one file: one for a text file, one per row of a table; none for a skipped file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc.__class__.__name__})") from None
    return parse_file(path, data, config, pattern)


def parse_file(path: Path, data: bytes, config: IngestConfig, pattern: re.Pattern[str] | None = None) -> list[Document]:
    """`data`, the bytes of `path`, as documents; binary and empty files give none and a warning."""
    kind = binary_kind(data)
    if kind:
        _skip(f"{path}: {kind}, not text", "binary")
        return []
    text, encoding = decode(data)
    if encoding in FALLBACK_ENCODINGS:
        _warn(f"{path}: not UTF-8; decoded as {encoding} (offsets index the decoded text)", encoding, "repaired")
    if not text.strip():
        _skip(f"{path}: empty or only white space", "empty")
        return []
    if path.suffix.lower() in TABLE_SUFFIXES:
        return _read_table(path, text, encoding, config)
    return [_text_document(path, data, text, encoding, config, pattern)]


def binary_kind(data: bytes) -> str:
    """What bytes that are not text look like ("PNG image", ...), or "" for text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if _marked_wide_text(data):
        return ""
    if b"\x00" in data:
        return "binary data (NUL bytes; UTF-16 text needs a byte-order mark)"
    head = data[:8192]
    if len(head) - len(head.translate(None, _CONTROL_BYTES)) > _BINARY_CONTROL_SHARE * len(head):
        return "binary data (control bytes)"
    return ""


def _marked_wide_text(data: bytes) -> bool:
    """UTF-16 or UTF-32 with a byte-order mark that decodes: text whose NUL bytes are expected."""
    for bom, encoding in _BOMS:
        if encoding != "utf-8-sig" and data.startswith(bom):
            try:
                data.decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): by byte-order mark (removed), else UTF-8, else cp1252, else Latin-1, which never fails."""
    marked = [encoding for bom, encoding in _BOMS if data.startswith(bom)]
    for encoding in (*marked, "utf-8", *FALLBACK_ENCODINGS[:-1]):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode(FALLBACK_ENCODINGS[-1]), FALLBACK_ENCODINGS[-1]


def _skip(message: str, reason: str) -> None:
    _warn(f"{message}; skipped", reason, "skipped")


def _warn(message: str, reason: str, action: str) -> None:
    warnings.warn(PipelineWarning(message, reason=reason, action=action))


def _text_document(
    path: Path, data: bytes, text: str, encoding: str, config: IngestConfig, pattern: re.Pattern[str] | None
) -> Document:
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
        encoding=encoding,
    )


def _read_table(path: Path, text: str, encoding: str, config: IngestConfig) -> list[Document]:
    rows = _jsonl_rows(path, text) if path.suffix.lower() == ".jsonl" else csv_rows(path, text)
    documents = []
    for row_number, row in rows:
        if config.text_column not in row:
            available = ", ".join(sorted(row)) or "none"
            raise InputError(
                f"{path}:{row_number}: no column '{config.text_column}' (ingest.text_column); columns: {available}"
            )
        text = _row_text(row[config.text_column], f"{path}:{row_number}", config.text_column)
        if not text.strip():
            _skip(f"{path}:{row_number}: empty text", "empty")
            continue
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
                encoding=encoding,
                title_is_heading=bool(title),
            )
        )
    return documents


def _row_text(value: object, where: str, column: str) -> str:
    if isinstance(value, (dict, list)):
        found = "an object" if isinstance(value, dict) else "an array"
        raise InputError(f"{where}: field '{column}' holds {found}, expected text")
    return "" if value is None else str(value)


def _jsonl_rows(path: Path, text: str):
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
    except (ValueError, RecursionError) as exc:  # an integer of thousands of digits, arrays nested too deep
        raise InputError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a JSON object, found {type(row).__name__}")
    return row


def csv_rows(path: Path, text: str):
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    # The csv module finds record ends itself (quoted newlines, form feeds in text); splitlines would not.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        # Row numbers count the header as line 1, as a spreadsheet shows them.
        for row_number, row in enumerate(reader, start=2):
            yield row_number, {k: v for k, v in row.items() if k is not None}
    except csv.Error as exc:  # a NUL character (decoded from UTF-16), say
        raise InputError(f"{path}: line {reader.line_num}: not valid CSV ({exc})") from None


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


def _merge_duplicates(documents: list[Document]) -> list[Document]:
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
        _warn(
            f"{doc.source}: duplicate of {first.source} (same sha256); analysed once, reported under both names",
            "duplicate",
            "copied",
        )
    return unique


def _unique_ids(documents: list[Document]) -> list[Document]:
    """Ids made unique in input order, a document's copies included: "a", "a-2", "a-3"."""
    seen: dict[str, int] = {}

    def unique(doc_id: str) -> str:
        count = seen.get(doc_id, 0)
        seen[doc_id] = count + 1
        return f"{doc_id}-{count + 1}" if count else doc_id

    return [
        replace(doc, doc_id=unique(doc.doc_id), copies=tuple(replace(c, doc_id=unique(c.doc_id)) for c in doc.copies))
        for doc in documents
    ]
