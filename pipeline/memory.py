"""Give the memory a stage freed back to the operating system, so the next stage's peak does not sit on top of it."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import lru_cache


def release_freed_memory() -> None:
    """Return the C heap's free pages to the system (glibc's malloc_trim); elsewhere nothing to do.

    Freed strings and lists stay in the heap, where only allocations of their size can reuse them; the arrays
    later stages allocate are mapped afresh. At 300k paragraphs the documents' text alone left ~270 MB behind."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


# glibc raises its mmap threshold (up to 32 MB) each time a mapped block is freed: the next arrays of that size
# then come from the heap, where a freed one is not given back, and a stage's peak sits on top of what earlier
# stages freed (40-60 MB at 300k paragraphs, depending on which blocks happened to be freed). A fixed threshold
# keeps every array of 4 MB or more mapped, and given back the moment it is freed; smaller ones, which loops
# allocate often, stay in the heap.
_M_MMAP_THRESHOLD = -3
MAPPED_BYTES = 4 * 1024 * 1024


def map_large_blocks() -> None:
    """Fix glibc's mmap threshold at MAPPED_BYTES for this process and the workers it forks; elsewhere nothing."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(_M_MMAP_THRESHOLD, MAPPED_BYTES)


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    libc = _libc()
    # another C library (musl) has no malloc_trim
    return getattr(libc, "malloc_trim", None) if libc is not None else None
