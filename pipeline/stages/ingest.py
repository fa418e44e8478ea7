"""Ingest: read a directory, glob or single file of documents into `Document`s (the one stage that reads input).

Bad files do not stop a run when the rest can be read: binary and empty files are skipped, a duplicate (same
sha256) is analysed once and reported under each name (`Document.copies`), and text that is not UTF-8 is
decoded as cp1252 or Latin-1, each with a `PipelineWarning` the runner records. Files that
cannot be read as asked (a malformed JSON line, a missing text column) are an `InputError` naming file and line.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import os
import re
import warnings
from dataclasses import replace
from importlib import resources
from pathlib import Path

from pipeline.config import IngestConfig
from pipeline.stages.decoding import FALLBACK_ENCODINGS, binary_kind, decode_counted
from pipeline.errors import InputError, PipelineWarning
from pipeline.stages.chinese import detect_language
from pipeline.stages.dates import LEADING_DATE, find_date, metadata_date
from pipeline.stages.doc_ids import merge_duplicates, safe_id, unique_ids
from pipeline.stages.paths import resolved_paths
from pipeline.types import Document

TABLE_SUFFIXES = (".jsonl", ".csv")
# The csv module refuses fields over 128 KiB by default; a long article in one cell is still text.
_CSV_FIELD_LIMIT = 2**31 - 1
_GLOB_CHARS = re.compile(r"[*?\[]")
_TITLE_HEAD_CHARS = 4096


def sample_corpus_dir() -> Path:
    """The bundled sample corpus (five cyberspace-policy articles), installed as package data."""
    return Path(str(resources.files("pipeline") / "data" / "sample"))


def ingest(config: IngestConfig, exclude: tuple[Path, ...] = ()) -> list[Document]:
    """Read every document named by `config.path` (bundled sample when empty), in a stable order; folders in
    `exclude` (the run's output and cache) are not searched."""
    files = _resolve_files(config, exclude)
    pattern = _compile_filename_pattern(config.filename_pattern)
    documents: list[Document] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PipelineWarning)
        for path, source in zip(files, resolved_paths(files)):
            documents.extend(read_file(path, config, pattern, source))
    for w in caught:  # given again, to whoever records them; kept here to explain an empty corpus
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not documents:
        skips = [str(w.message) for w in caught if isinstance(w.message, PipelineWarning)]
        first = f": {skips[0]}" if skips else ""
        more = f" (and {len(skips) - 1} more, see the warnings)" if len(skips) > 1 else ""
        raise InputError(f"ingest.path: none of the {len(files)} input file(s) holds text to analyse{first}{more}")
    return merge_duplicates(unique_ids(_with_languages(documents, config.language)))


def _with_languages(documents: list[Document], language: str) -> list[Document]:
    """Each document with its language: the configured one, or detected from its own text ("auto")."""
    return [replace(d, language=detect_language(d.text) if language == "auto" else language) for d in documents]


def input_files(config: IngestConfig, exclude: tuple[Path, ...] = ()) -> list[Path]:
    """The files `ingest` reads for `config`, in its order (InputError when there are none)."""
    return _resolve_files(config, exclude)


def ingest_all(configs: list[IngestConfig]) -> list[Document]:
    """`ingest` for each config (several paths with the same settings), ids made unique across them."""
    documents = unique_ids([doc for config in configs for doc in ingest(config)])
    return merge_duplicates(documents)


def _resolve_files(config: IngestConfig, exclude: tuple[Path, ...] = ()) -> list[Path]:
    raw = config.path or str(sample_corpus_dir())
    try:
        return _list_files(raw, tuple(s.lower() for s in config.extensions), exclude)
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte in it, a folder we may not list
        raise InputError(f"ingest.path: cannot use {raw!r} ({exc})") from None


def _list_files(raw: str, suffixes: tuple[str, ...], exclude: tuple[Path, ...] = ()) -> list[Path]:
    path = Path(raw).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        _check_listable(path)
        candidates = [p for p in _walk(path, exclude) if p.is_file()]
        where = f"folder {raw}"
    elif _GLOB_CHARS.search(raw):
        root = Path(_GLOB_CHARS.split(raw, maxsplit=1)[0] or ".").expanduser()
        skipped = _excluded(root if root.is_dir() else root.parent, exclude)
        candidates = [
            Path(p) for p in glob.glob(raw, recursive=True)
            if Path(p).is_file() and not any(Path(p).resolve().is_relative_to(e) for e in skipped)
        ]
        suffixes += TABLE_SUFFIXES
        where = f"glob {raw}"
    else:
        raise InputError(f"ingest.path: {raw} does not exist (expected a file, folder or glob)")
    files = sorted((p for p in candidates if p.suffix.lower() in suffixes and not p.name.startswith(".")), key=str)
    if not files:
        names = "/".join(s or "suffix-less" for s in suffixes)
        raise InputError(f"ingest.path: {where} holds no {names} files (ingest.extensions names the types to read)")
    return files


def _check_listable(folder: Path) -> None:
    try:
        next(iter(folder.iterdir()), None)
    except PermissionError:
        raise InputError(f"ingest.path: cannot list folder {folder} (permission denied)") from None


def _walk(root: Path, exclude: tuple[Path, ...]):
    """Every path below `root`, leaving out hidden folders and the folders in `exclude` (unless `root` is in one:
    a path the user names is read); a sub-folder that cannot be listed is a warning, not a silent gap."""
    skipped = _excluded(root, exclude)
    for folder, subfolders, names in os.walk(root, onerror=_unlistable):
        subfolders[:] = sorted(
            d for d in subfolders if not d.startswith(".") and (Path(folder) / d).resolve() not in skipped
        )
        yield from (Path(folder) / name for name in names)


def _excluded(root: Path, exclude: tuple[Path, ...]) -> set[Path]:
    return {e.resolve() for e in exclude if not root.resolve().is_relative_to(e.resolve())}


def _unlistable(error: OSError) -> None:
    _skip(f"{error.filename}: cannot list folder ({error.strerror})", "unreadable")


def _compile_filename_pattern(pattern: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InputError(f"ingest.filename_pattern: not a valid regex ({exc})") from None


def read_file(
    path: Path, config: IngestConfig, pattern: re.Pattern[str] | None = None, source: str = ""
) -> list[Document]:
    """The documents in one file: one for a text file, one per row of a table; none for a skipped file. `source` is
    the file's resolved path, when the caller has it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc.__class__.__name__})") from None
    return parse_file(path, data, config, pattern, source)


def parse_file(
    path: Path, data: bytes, config: IngestConfig, pattern: re.Pattern[str] | None = None, source: str = ""
) -> list[Document]:
    """`data`, the bytes of `path` (resolved: `source`), as documents; binary and empty files give none and a
    warning."""
    kind = binary_kind(data)
    if kind:
        _skip(f"{path}: {kind}, not text", "binary")
        return []
    decoded = decode_counted(data)
    text, encoding = decoded.text, decoded.encoding
    if encoding in FALLBACK_ENCODINGS:
        _warn(f"{path}: not UTF-8; decoded as {encoding} (offsets index the decoded text)", encoding, "repaired")
    if decoded.invalid_bytes:
        line = text[: text.index("\ufffd")].count("\n") + 1
        _warn(
            f"{path}: {decoded.invalid_bytes} byte(s) not valid UTF-8, each replaced by U+FFFD (first on line {line})",
            "invalid-utf-8",
            "repaired",
        )
    if decoded.nul_chars:
        _warn(f"{path}: {decoded.nul_chars} NUL byte(s) removed (offsets index the text without them)", "nul", "repaired")
    if not text.strip():
        _skip(f"{path}: empty or only white space", "empty")
        return []
    source = source or str(path.resolve())
    if path.suffix.lower() in TABLE_SUFFIXES:
        return _read_table(path, source, text, encoding, config)
    return [_text_document(path, source, data, text, encoding, config, pattern)]


def _skip(message: str, reason: str) -> None:
    _warn(f"{message}; skipped", reason, "skipped")


def _warn(message: str, reason: str, action: str) -> None:
    warnings.warn(PipelineWarning(message, reason=reason, action=action))


def _text_document(
    path: Path, source: str, data: bytes, text: str, encoding: str, config: IngestConfig, pattern: re.Pattern[str] | None
) -> Document:
    metadata = {}
    if pattern is not None and (match := pattern.search(path.name)):
        metadata = {k: v for k, v in match.groupdict().items() if v is not None}
    return Document(
        doc_id=safe_id(path.stem, str(path)),
        title=first_line_title(text),
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        date=find_date(text) or metadata_date(metadata, config.date_field),
        metadata=metadata,
        encoding=encoding,
    )


def _read_table(path: Path, source: str, text: str, encoding: str, config: IngestConfig) -> list[Document]:
    rows = _jsonl_rows(path, text) if path.suffix.lower() == ".jsonl" else csv_rows(path, text)
    documents = []
    for row_number, row in rows:
        doc = table_document(path.stem, f"{source}#{row_number}", f"{path}:{row_number}", row, encoding, config)
        if doc is not None:
            documents.append(doc)
    return documents


def table_document(
    stem: str, source: str, where: str, row: dict, encoding: str, config: IngestConfig
) -> Document | None:
    """One table row (a CSV or JSON Lines record, or a row of any table Spark reads) as a document; None (and a
    warning) for an empty text. `where` names the row in errors, `stem` + its row number make the default id."""
    if config.text_column not in row:
        available = ", ".join(sorted(row)) or "none"
        raise InputError(f"{where}: no column '{config.text_column}' (ingest.text_column); columns: {available}")
    text = _row_text(row[config.text_column], where, config.text_column)
    if not text.strip():
        _skip(f"{where}: empty text", "empty")
        return None
    metadata = {k: str(v) for k, v in row.items() if k != config.text_column and v is not None}
    doc_id = str(row.get(config.id_column, "")) if config.id_column else ""
    title = str(row.get(config.title_column, "")) if config.title_column else ""
    row_bytes = json.dumps(row, sort_keys=True, ensure_ascii=False).encode()
    return Document(
        doc_id=safe_id(doc_id, where) if doc_id else safe_id(f"{stem}-{source.rsplit('#', 1)[-1]}"),
        title=title or first_line_title(text),
        source=source,
        sha256=hashlib.sha256(row_bytes).hexdigest(),
        text=text,
        date=find_date(text) or metadata_date(metadata, config.date_field),
        metadata=metadata,
        encoding=encoding,
        title_is_heading=bool(title),
    )


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
    # The complete lines of the head first: splitting a whole document for its first line took longer than
    # decoding it.
    head = text[:_TITLE_HEAD_CHARS]
    head_lines = head.splitlines()
    for line in head_lines[:-1] if len(head) < len(text) else head_lines:
        if stripped := LEADING_DATE.sub("", line).strip():
            return stripped[:max_chars]
    if len(head) == len(text):
        return ""
    for line in text.splitlines():
        if stripped := LEADING_DATE.sub("", line).strip():
            return stripped[:max_chars]
    return ""


