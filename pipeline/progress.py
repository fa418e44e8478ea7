"""Progress display: a rich live view per stage on a terminal, nothing when output is piped or in CI."""

from __future__ import annotations

import os
import sys
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class Reporter(Protocol):
    def start(self, stage: str) -> None: ...

    def advance(self, stage: str, done: int, total: int) -> None: ...

    def finish(self, stage: str, elapsed_s: float, counts: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class SilentReporter:
    def start(self, stage: str) -> None:
        pass

    def advance(self, stage: str, done: int, total: int) -> None:
        pass

    def finish(self, stage: str, elapsed_s: float, counts: dict[str, Any]) -> None:
        pass

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
        detail = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
        self.progress.console.print(f"[green]✓[/] {stage:<10} {elapsed_s:6.2f}s  {detail}")

    def close(self) -> None:
        self.progress.stop()


def reporter_for_terminal(console: Console) -> Reporter:
    interactive = console.is_terminal and not os.environ.get("CI") and sys.stderr.isatty()
    return RichReporter(console) if interactive else SilentReporter()
