"""Run independent, deterministic jobs across processes (joblib) and gather their results in submission order."""

from __future__ import annotations

import warnings
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
    its floats, so outputs are byte-identical for any `n_jobs`. Warnings the jobs raise are raised again here,
    each distinct one once, in task order (a worker's would otherwise be lost). `on_done(count)` is called as
    jobs finish.
    """
    outcomes: list[Any] = [None] * len(tasks)
    if n_jobs == 1 or len(tasks) <= 1:
        done_in_order = (_job(function, i, task, shared) for i, task in enumerate(tasks))
    else:
        jobs = (delayed(_job)(function, i, task, shared) for i, task in enumerate(tasks))
        done_in_order = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs)
    for done, (i, result, caught) in enumerate(done_in_order, start=1):
        outcomes[i] = (result, caught)
        if on_done:
            on_done(done)
    seen: set[tuple[type, str]] = set()
    for _, caught in outcomes:
        for warning in caught:
            if (type(warning), str(warning)) not in seen:
                seen.add((type(warning), str(warning)))
                warnings.warn(warning, stacklevel=2)
    return [result for result, _ in outcomes]


def _job(function: Callable[..., T], index: int, task: Any, shared: dict[str, Any]) -> tuple[int, T, list[Warning]]:
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(task, **shared)
    return index, result, [w.message for w in caught]
