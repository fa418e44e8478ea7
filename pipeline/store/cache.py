"""Stage cache: each stage's output stored under a key hashed from everything that determines it.

A key covers the package's own files (code and data) and the versions of the libraries that compute results,
the stage name, the config sections the stage takes, the keys of the stages it reads from, and its other
inputs (the input files' sha256, the lexicon's seed terms). Equal keys mean equal outputs, so a change to a
late stage's settings (the lexicon, the labeling threshold) reuses every stage before it.

Entries are pickles under `<dir>/<stage>/<key>.pkl`, written to a temporary file and renamed, so a killed run
never leaves a half-written entry; an entry that cannot be read counts as a miss. The folder is safe to delete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

import pipeline
from pipeline.store.manifest import package_versions
from pipeline.config import Config
from pipeline.errors import PipelineError, PipelineWarning
from pipeline.rows import pack_rows, unpack_rows

T = TypeVar("T")
ENTRY_SUFFIX = ".pkl"
TEMPORARY_PREFIX = ".tmp-"
# Marks the folder as a cache for backup tools (https://bford.info/cachedir/); `clear` removes it too.
TAG_NAME = "CACHEDIR.TAG"
TAG_TEXT = "Signature: 8a477f597d28d172789f06886806bc55\n# theme-pipeline stage cache: safe to delete.\n"


@dataclass(frozen=True)
class SavedWarning:
    """A PipelineWarning in a form that pickles (a warning's keyword fields do not), to give again on reuse."""

    category: type[PipelineWarning]
    message: str
    reason: str
    action: str

    @classmethod
    def of(cls, warning: PipelineWarning) -> SavedWarning:
        return cls(type(warning), str(warning), warning.reason, warning.action)

    def rebuild(self) -> PipelineWarning:
        return self.category(self.message, reason=self.reason, action=self.action)


def cache_dir(config: Config) -> Path:
    return Path(config.cache.dir) if config.cache.dir else Path(config.output_dir) / ".cache"


def written_folders(config: Config) -> tuple[Path, ...]:
    """The folders a run writes into: input discovery never reads them (`--input .` must not read last run's output)."""
    return Path(config.output_dir), cache_dir(config)


@lru_cache(maxsize=1)
def environment() -> tuple[str, str, dict[str, str]]:
    """What every key covers: the package version, its files' fingerprint, the library versions (read once)."""
    return pipeline.__version__, code_fingerprint(), package_versions()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 over the package's files, so an edited stage never reuses what older code computed."""
    root = Path(pipeline.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot hash a {type(value).__name__} into a cache key")


def stage_key(stage: str, parts: Iterable[Any]) -> str:
    """sha256 of the stage name, the code and library versions, and `parts` (JSON-able values or config sections)."""
    material = [stage, *environment(), list(parts)]
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), default=_jsonable, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class StageCache:
    """Loads and stores stage outputs by key; `directory=None` turns it off (every stage is computed)."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        self.write_problem = ""  # why entries could not be stored, if they could not; the run goes on without

    @classmethod
    def for_config(cls, config: Config) -> StageCache:
        return cls(cache_dir(config) if config.cache.enabled else None)

    def get_or_compute(self, stage: str, key: str, compute: Callable[[], T]) -> tuple[T, bool]:
        """(output, whether it came from the cache)."""
        found, value = self.get(stage, key)
        if found:
            return value, True
        value = compute()
        self.put(stage, key, value)
        return value, False

    def get(self, stage: str, key: str) -> tuple[bool, Any]:
        """(True, the stored output) or (False, None) when there is none to reuse."""
        if self.directory is None:
            return False, None
        try:
            with (self.directory / stage / f"{key}{ENTRY_SUFFIX}").open("rb") as handle:
                return True, unpack_rows(pickle.load(handle))
        except Exception:  # noqa: BLE001 - absent, truncated or from an incompatible library: recompute
            return False, None

    def put(self, stage: str, key: str, value: Any) -> None:
        if self.directory is not None:
            self._store(self.directory / stage / f"{key}{ENTRY_SUFFIX}", value)

    def _store(self, path: Path, value: Any) -> None:
        if self.write_problem:
            return
        temporary = path.with_name(f"{TEMPORARY_PREFIX}{path.stem}-{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tag = self.directory / TAG_NAME
            if not tag.exists():
                tag.write_text(TAG_TEXT, encoding="utf-8")
            with temporary.open("wb") as handle:
                pickle.dump(pack_rows(value), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            self.write_problem = f"cannot write to {self.directory} ({exc.strerror or exc}); stages are not cached"


@dataclass(frozen=True)
class Cleared:
    directory: Path
    entries: int
    size_bytes: int


def clear(directory: Path) -> Cleared:
    """Remove the cache's entries (and half-written ones), then its empty stage folders; nothing else is touched."""
    try:
        return _clear(directory)
    except OSError as exc:
        raise PipelineError(f"{directory}: cannot clear the cache ({exc.strerror or exc})") from None


def _clear(directory: Path) -> Cleared:
    entries = size = 0
    if directory.is_dir():
        for stage_dir in [p for p in directory.iterdir() if p.is_dir()]:
            for entry in stage_dir.iterdir():
                if entry.is_file() and (entry.suffix == ENTRY_SUFFIX or entry.name.startswith(TEMPORARY_PREFIX)):
                    size += entry.stat().st_size
                    entries += entry.suffix == ENTRY_SUFFIX
                    entry.unlink()
            if not any(stage_dir.iterdir()):
                stage_dir.rmdir()
        (directory / TAG_NAME).unlink(missing_ok=True)
        if not any(directory.iterdir()):
            directory.rmdir()
    return Cleared(directory=directory, entries=entries, size_bytes=size)
