"""How the runner runs one stage: timed, its output cached by a key of what determines it, its warnings recorded
for the manifest and shown through the reporter."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pipeline.errors import PipelineWarning
from pipeline.memory import release_freed_memory
from pipeline.progress import Reporter, summarize_warnings
from pipeline.store.manifest import StageRecord
from pipeline.store.cache import SavedWarning, StageCache, stage_key
from pipeline.types import ProgressHook


T = TypeVar("T")


class Stages:
    """Times each stage, reuses cached outputs, records the PipelineWarnings it raises, and passes all of it to
    the manifest and the display."""

    def __init__(self, reporter: Reporter, cache: StageCache):
        self.reporter = reporter
        self.cache = cache
        self.records: list[StageRecord] = []
        self.keys: dict[str, str] = {}
        self.reused: list[str] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, Any]]:
        counts: dict[str, Any] = {}
        self.reporter.start(name)
        began = time.perf_counter()
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", PipelineWarning)
                yield counts
        finally:
            ours = self._sort_warnings(caught)  # shown even when the stage fails: they may explain why
        release_freed_memory()
        elapsed = time.perf_counter() - began
        reused = name in self.reused
        self.records.append(StageRecord(name, elapsed, counts, ours, reused=reused))
        self.reporter.finish(name, elapsed, {**counts, "from_cache": "reused"} if reused else counts)

    def progress(self, name: str) -> ProgressHook:
        """The hook a long stage calls with (done, total) as it goes; shown by the reporter under `name`."""
        return lambda done, total: self.reporter.advance(name, done, total)

    def cached(self, name: str, compute: Callable[[], T], *, after: Iterable[str] = (), parts: Iterable[Any] = ()) -> T:
        """compute(), or the output cached under a key of `parts` (what else it reads) and the keys of the stages
        `after` it; keys chain, so naming the last upstream stage covers every stage before it. The warnings
        compute() gave are stored with its output and given again on reuse, so the manifest lists them either way."""
        key = self._key(name, after, parts)
        (value, given), hit = self.cache.get_or_compute(name, key, lambda: _with_warnings(compute))
        if hit:
            self.reused.append(name)
            for warning in given:
                warnings.warn(warning.rebuild(), stacklevel=2)
        return value

    def started(
        self, name: str, compute: Callable[[], T], *, background: bool, after: Iterable[str] = (), parts: Iterable[Any] = ()
    ) -> Callable[[], T]:
        """cached(), called later: the caller goes on and calls the returned function, inside the stage, for the
        output and its warnings. With `background` (and no cached output) compute() starts now in a forked
        process; else it runs when asked for. The output is the same bytes either way."""
        # joblib: imported by runs, not by `import pipeline`.
        from pipeline.stages.parallel import can_fork, in_background

        # Where nothing can fork, the job would run here and give its warnings twice: cached() runs it once.
        if not (background and can_fork()):
            return lambda: self.cached(name, compute, after=after, parts=parts)
        key = self._key(name, after, parts)
        found, entry = self.cache.get(name, key)
        if found:
            self.reused.append(name)
        job = (lambda: entry) if found else in_background(lambda: _with_warnings(compute))

        def result() -> T:
            value, given = job()
            if not found:
                self.cache.put(name, key, (value, given))
            for warning in given:
                warnings.warn(warning.rebuild(), stacklevel=2)
            return value

        return result

    def _key(self, name: str, after: Iterable[str], parts: Iterable[Any]) -> str:
        """The stage's cache key, chained to the keys of the stages `after` it (recorded for the stages after)."""
        key = stage_key(name, [*(self.keys[stage] for stage in after), *parts])
        self.keys[name] = key
        return key

    def _sort_warnings(self, caught: list[warnings.WarningMessage]) -> list[PipelineWarning]:
        """Print ours through the reporter; hand anything else (a library's warning) back to Python's filters."""
        ours = [w.message for w in caught if isinstance(w.message, PipelineWarning)]
        for line in summarize_warnings(ours):
            self.reporter.warn(line)
        for w in caught:
            if not isinstance(w.message, PipelineWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
        return ours


def _with_warnings(compute: Callable[[], T]) -> tuple[T, list[SavedWarning]]:
    """compute()'s output and the PipelineWarnings it gave (they still reach the enclosing stage's record)."""
    failure: BaseException | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PipelineWarning)
        try:
            value = compute()
        except BaseException as exc:  # noqa: BLE001 - raised again below, once its warnings are given
            failure = exc
    if failure is not None:
        # The stage failed: its warnings may explain why, so they still reach the stage's record.
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
        raise failure
    given = []
    for w in caught:
        if isinstance(w.message, PipelineWarning):
            given.append(SavedWarning.of(w.message))
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return value, given
