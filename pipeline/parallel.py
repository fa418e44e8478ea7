"""Run independent, deterministic jobs across processes (joblib) and gather their results in submission order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

T = TypeVar("T")


def map_in_order(
    function: Callable[..., T],
    tasks: Sequence[Any],
    *,
    n_jobs: int = -1,
    on_done: Callable[[int], None] | None = None,
    **shared: Any,
) -> list[T]:
    """[function(task, **shared) for task in tasks], in that order whatever `n_jobs` (-1 = every core).

    Each job runs with one BLAS thread, in a worker or here: a result must not depend on how many threads summed
    its floats, so outputs are byte-identical for any `n_jobs`. `on_done(count)` is called as jobs finish.
    """
    results: list[Any] = [None] * len(tasks)
    if n_jobs == 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            results[i] = _limited(function, i, task, shared)[1]
            if on_done:
                on_done(i + 1)
        return results
    jobs = (delayed(_limited)(function, i, task, shared) for i, task in enumerate(tasks))
    for done, (i, result) in enumerate(Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs), start=1):
        results[i] = result
        if on_done:
            on_done(done)
    return results


def _limited(function: Callable[..., T], index: int, task: Any, shared: dict[str, Any]) -> tuple[int, T]:
    with threadpool_limits(limits=1):
        return index, function(task, **shared)
