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


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # another C library (musl) has no malloc_trim
        return None
