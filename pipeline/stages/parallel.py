"""Run independent, deterministic jobs across processes (joblib) and gather their results in submission order;
or one job in a forked process while this one goes on."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from pipeline.errors import PipelineError

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
        # Each worker starts by watching its parent: a killed `themes` must not leave workers behind.
        pool = Parallel(
            n_jobs=n_jobs, return_as="generator_unordered", initializer=_exit_with_parent, initargs=(os.getpid(),)
        )
        done_in_order = pool(jobs)
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


def _exit_with_parent(parent: int) -> None:
    """In a worker: end this process once `parent`, the process that started it, is gone.

    A killed `themes` (SIGKILL, SIGTERM) would otherwise leave its workers blocked on a pipe for good. The parent's
    pid comes from the parent itself, since a worker may start after its parent has already died.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _job(function: Callable[..., T], index: int, task: Any, shared: dict[str, Any]) -> tuple[int, T, list[Warning]]:
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(task, **shared)
    return index, result, [w.message for w in caught]


def can_fork() -> bool:
    """Whether this platform starts processes by fork, which `in_background` needs to run a job beside this one."""
    return "fork" in multiprocessing.get_all_start_methods()


def in_background(function: Callable[[], T]) -> Callable[[], T]:
    """Start function() in a forked process and return at once; the returned function waits for its result (or
    raises what it raised). Where the platform cannot fork, function() runs when its result is asked for.

    The job computes exactly what it would here (its state is a copy of this process's), so where it runs does not
    change a byte; only the result, pickled, comes back."""
    if not can_fork():
        return function
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # Daemonic: a run that fails or is interrupted before asking for the result ends the job with it, instead of
    # waiting at exit for a result nobody will read.
    process = context.Process(
        target=_send_result, args=(function, sender, os.getpid()), name="background-job", daemon=True
    )
    process.start()
    sender.close()

    def result() -> T:
        try:
            succeeded, value = receiver.recv()  # before join: a large result would fill the pipe and block the child
        except EOFError:
            raise PipelineError("a background job ended without a result (was its process killed?)") from None
        except BaseException:
            process.kill()  # interrupted while waiting (Ctrl-C): the job's result is of no use now
            raise
        finally:
            receiver.close()
            process.join()
        if not succeeded:
            raise value
        return value

    return result


def _send_result(function: Callable[[], Any], sender: Any, parent: int) -> None:
    # Ctrl-C reaches the whole process group: the parent decides what happens, this job must not print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent)
    try:
        outcome: tuple[bool, Any] = (True, function())
    except BaseException as exc:  # noqa: BLE001 - raised again in the parent
        outcome = (False, exc)
    try:
        try:
            sender.send(outcome)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            sender.send((False, PipelineError(f"a background job's result could not be sent back: {exc}")))
    except OSError:
        pass  # the parent stopped listening (it failed or was interrupted); nothing is waiting for this result
    finally:
        sender.close()
