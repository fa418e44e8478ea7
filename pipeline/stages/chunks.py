"""Order-preserving parallel map over chunks of texts, in worker processes.

Chunks are cut by characters so each carries similar work; results come back in input order, so a stage
that merges them in order gives the same output for any number of workers. Where the platform can fork,
workers start in milliseconds with the parent's modules and warm caches (a lemmatizer's tables, memos);
elsewhere they are spawned and warm up on their first chunk.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import multiprocessing
from functools import partial

Result = TypeVar("Result")

# About 1 MB of text per chunk: big enough that sending it to a worker costs little next to the work.
CHUNK_CHARS = 1_000_000
# Below this much text, starting worker processes costs more than it saves ("auto" stays in-process).
PARALLEL_MIN_CHARS = 4_000_000


def resolve_workers(workers: int, total_chars: int) -> int:
    """0 ("auto") = one per CPU core for large inputs, 1 for small ones; any other value as given."""
    if workers:
        return workers
    return (os.cpu_count() or 1) if total_chars >= PARALLEL_MIN_CHARS else 1


def chunk_bounds(texts: list[str], workers: int, chunk_chars: int) -> list[tuple[int, int]]:
    """(start, end) ranges over `texts` of about `chunk_chars` characters, at least one per worker."""
    total = sum(map(len, texts))
    target = max(1, min(chunk_chars, total // max(workers, 1)))
    bounds, start, size = [], 0, 0
    for i, text in enumerate(texts):
        size += len(text)
        if size >= target:
            bounds.append((start, i + 1))
            start, size = i + 1, 0
    if start < len(texts):
        bounds.append((start, len(texts)))
    return bounds


def map_chunks(
    function: Callable[..., Result], texts: list[str], *args: Any, workers: int = 1
) -> Iterator[Result]:
    """function(texts[start:end], *args) for each chunk, in order; in `workers` processes when more than 1."""
    workers = resolve_workers(workers, sum(map(len, texts)))
    bounds = chunk_bounds(texts, workers, CHUNK_CHARS)
    if workers <= 1 or len(bounds) <= 1:
        yield from (function(texts[start:end], *args) for start, end in bounds)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(min(workers, len(bounds))) as pool:
        yield from pool.imap(partial(_call, function, args), (texts[start:end] for start, end in bounds))


def _call(function: Callable[..., Result], args: tuple[Any, ...], texts: list[str]) -> Result:
    return function(texts, *args)
