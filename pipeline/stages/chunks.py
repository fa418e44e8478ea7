"""Order-preserving parallel map over chunks of texts (or documents), in worker processes.

Chunks are cut by characters so each carries similar work; results come back in input order, so a stage
that merges them in order gives the same output for any number of workers. Where the platform can fork,
workers start in milliseconds with the parent's modules and warm caches (a lemmatizer's tables, memos);
elsewhere they are spawned and warm up on their first chunk.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import multiprocessing
from functools import partial

from pipeline.rows import pack_rows, unpack_rows
from pipeline.types import ProgressHook

Item = TypeVar("Item")
Result = TypeVar("Result")

# About 4 MB of text per chunk: big enough that sending it to a worker and merging its result (once per
# distinct word of the chunk) cost little next to the work.
CHUNK_CHARS = 4_000_000
# Below this much text, starting worker processes costs more than it saves ("auto" stays in-process).
PARALLEL_MIN_CHARS = 4_000_000
# The items of the running map, for workers forked from this process (one map runs at a time).
_INHERITED: Sequence[Any] = ()


def resolve_workers(workers: int, total_chars: int) -> int:
    """0 ("auto") = one per CPU core for large inputs, 1 for small ones; any other value as given."""
    if workers:
        return workers
    if total_chars < PARALLEL_MIN_CHARS:
        return 1
    # The cores this process may run on (a container or taskset can allow fewer than the machine has).
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def chunk_bounds(sizes: list[int], workers: int, chunk_chars: int) -> list[tuple[int, int]]:
    """(start, end) ranges over items of these sizes, about `chunk_chars` characters each, at least one per worker."""
    total = sum(sizes)
    target = max(1, min(chunk_chars, total // max(workers, 1)))
    bounds, start, size = [], 0, 0
    for i, item_size in enumerate(sizes):
        size += item_size
        if size >= target:
            bounds.append((start, i + 1))
            start, size = i + 1, 0
    if start < len(sizes):
        bounds.append((start, len(sizes)))
    return bounds


def map_chunks(
    function: Callable[..., Result],
    items: Sequence[Item],
    *args: Any,
    workers: int = 1,
    size: Callable[[Item], int] = len,
    progress: ProgressHook | None = None,
) -> Iterator[Result]:
    """function(items[start:end], *args) for each chunk, in order; in `workers` processes when more than 1.

    `size(item)` is its amount of text in characters, which chunks are cut by. `progress(chunks done, chunks)`
    is called as each result is handed on."""
    sizes = [size(item) for item in items]
    workers = resolve_workers(workers, sum(sizes))
    bounds = chunk_bounds(sizes, workers, CHUNK_CHARS)
    for done, result in enumerate(_map_bounds(function, items, args, workers, bounds), start=1):
        if progress:
            progress(done, len(bounds))
        yield result


def _map_bounds(
    function: Callable[..., Result], items: Sequence[Item], args: tuple[Any, ...], workers: int, bounds: list[tuple[int, int]]
) -> Iterator[Result]:
    if workers <= 1 or len(bounds) <= 1:
        yield from (function(items[start:end], *args) for start, end in bounds)
        return
    if "fork" in multiprocessing.get_all_start_methods():
        # Forked workers inherit `items`: only (start, end) goes down the pipe, only results come back.
        global _INHERITED
        _INHERITED = items
        call, tasks = partial(_call_inherited, function, args), iter(bounds)
        context = multiprocessing.get_context("fork")
    else:
        call, tasks = partial(_call, function, args), (items[start:end] for start, end in bounds)
        context = multiprocessing.get_context("spawn")
    try:
        with context.Pool(min(workers, len(bounds))) as pool:
            yield from map(unpack_rows, pool.imap(call, tasks))
    finally:
        _INHERITED = ()


# A result's lines or paragraphs travel as columns: unpickling a named tuple runs a Python function per row.
def _call(function: Callable[..., Result], args: tuple[Any, ...], items: Sequence[Any]) -> Any:
    return pack_rows(function(items, *args))


def _call_inherited(function: Callable[..., Result], args: tuple[Any, ...], bounds: tuple[int, int]) -> Any:
    return pack_rows(function(_INHERITED[bounds[0] : bounds[1]], *args))
