"""Unpack a corpus archive from ../shared/corpora once into bench/.cache/ (checked by sha256, never half-written)."""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import tempfile
from pathlib import Path

CACHE_DIR = Path(__file__).resolve().parent / ".cache"


def ensure_extracted(archive: Path, sha256: str, target: Path) -> Path:
    """`target` holding the unpacked `archive`, unpacked once (into a temp folder, then renamed)."""
    if (target / ".complete").exists():
        return target
    if not archive.exists():
        raise SystemExit(f"{archive}: not found (the shared corpora are needed for this benchmark)")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{archive}: sha256 {digest} differs from the one in SOURCE.md ({sha256})")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="extract-", dir=target.parent))
    try:
        with tarfile.open(archive) as opened:
            opened.extractall(staging, filter="data")
        (staging / ".complete").write_text(digest + "\n", encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
