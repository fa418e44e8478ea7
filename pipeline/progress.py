"""Progress display: a rich live view per stage on a terminal; plain lines when output goes to a pipe or a log.

Both print one line per finished stage (time and counts) and one line per warning, on stderr.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from pipeline.errors import PipelineWarning

# Off a terminal, progress lines come at most this often (a line per tenth of a stage's work), so quick stages print none.
LINE_EVERY_S = 5.0

# Beyond this many warnings of one kind per stage, the rest are counted, not printed (the manifest has them all).
WARNINGS_SHOWN_PER_REASON = 3


class Reporter(Protocol):
    def start(self, stage: str) -> None: ...

    def advance(self, stage: str, done: int, total: int) -> None: ...

    def finish(self, stage: str, elapsed_s: float, counts: dict[str, Any]) -> None: ...

    def warn(self, message: str) -> None: ...

    def close(self) -> None: ...


class SilentReporter:
    def start(self, stage: str) -> None:
        pass

    def advance(self, stage: str, done: int, total: int) -> None:
        pass

    def finish(self, stage: str, elapsed_s: float, counts: dict[str, Any]) -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    def close(self) -> None:
        pass


class WarningsOnlyReporter(SilentReporter):
    """`--quiet`: no progress or stage lines, but warnings still print (a quiet run must not hide a problem)."""

    def warn(self, message: str) -> None:
        print(f"warning: {message}", file=sys.stderr, flush=True)


def stage_line(stage: str, elapsed_s: float, counts: dict[str, Any]) -> str:
    detail = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
    return f"{stage:<10} {elapsed_s:6.2f}s  {detail}"


def summarize_warnings(caught: Iterable[PipelineWarning], shown: int = WARNINGS_SHOWN_PER_REASON) -> list[str]:
    """One line per warning, at most `shown` per reason followed by a count of the rest."""
    by_reason: dict[str, list[str]] = {}
    for warning in caught:
        by_reason.setdefault(warning.reason, []).append(str(warning))
    lines = []
    for reason, messages in by_reason.items():
        lines += messages[:shown]
        if len(messages) > shown:
            lines.append(f"... and {len(messages) - shown} more '{reason}' warnings (manifest.json lists them all)")
    return lines


class LineReporter:
    """Off a terminal (a pipe, a log file, CI): the same lines as the live view, as plain text."""

    def __init__(self, stream: TextIO | None = None, every_s: float | None = None, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.every_s = LINE_EVERY_S if every_s is None else every_s
        self.clock = clock
        self.last_line_s = clock()
        self.last_tenth = 0

    def _print(self, line: str) -> None:
        print(line, file=self.stream or sys.stderr, flush=True)

    def start(self, stage: str) -> None:
        self.last_line_s, self.last_tenth = self.clock(), 0

    def advance(self, stage: str, done: int, total: int) -> None:
        # A line per tenth of the work at most every `every_s` (a quick stage prints none), and one a minute while
        # a slow stage stays within a tenth: a log shows that a long stage moves without filling up.
        now, tenth = self.clock(), 10 * done // max(total, 1)
        since = now - self.last_line_s
        if since >= self.every_s and (tenth > self.last_tenth or 0 < 12 * self.every_s <= since):
            self.last_line_s, self.last_tenth = now, tenth
            self._print(f"{stage:<10} {done}/{total} ({100 * done // max(total, 1)}%)")

    def finish(self, stage: str, elapsed_s: float, counts: dict[str, Any]) -> None:
        self._print(stage_line(stage, elapsed_s, counts))

    def warn(self, message: str) -> None:
        self._print(f"warning: {message}")

    def close(self) -> None:
        pass


class RichReporter:
    """A spinner line per running stage (with a bar and counts if it reports progress), then a check mark and counts."""

    def __init__(self, console: Console):
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.progress.start()
        self.task: Any = None

    def start(self, stage: str) -> None:
        self.task = self.progress.add_task(f"{stage} ...", total=None)

    def advance(self, stage: str, done: int, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, description=f"{stage} {done}/{total}", completed=done, total=total)

    def finish(self, stage: str, elapsed_s: float, counts: dict[str, Any]) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
            self.task = None
        self.progress.console.print(f"[green]✓[/] {escape(stage_line(stage, elapsed_s, counts))}")

    def warn(self, message: str) -> None:
        self.progress.console.print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True, emoji=False)

    def close(self) -> None:
        self.progress.stop()


def reporter_for_terminal(console: Console) -> Reporter:
    interactive = console.is_terminal and not os.environ.get("CI") and sys.stderr.isatty()
    return RichReporter(console) if interactive else LineReporter()
