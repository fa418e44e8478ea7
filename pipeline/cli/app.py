"""The `themes` typer app: its sub-apps, shared options, consoles, and how a PipelineError becomes one line and an
exit code."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional, TypeVar

import typer
from rich.console import Console

from pipeline.config import Config
from pipeline.errors import PipelineError

T = TypeVar("T")

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Evidence-backed theme analysis of documents.")
config_app = typer.Typer(no_args_is_help=True, help="Inspect configuration.")
app.add_typer(config_app, name="config")
cache_app = typer.Typer(no_args_is_help=True, help="Manage the stage cache (outputs reused across runs).")
app.add_typer(cache_app, name="cache")
lexicon_app = typer.Typer(no_args_is_help=True, help="Audit and extend the theme lexicon from a run.")
app.add_typer(lexicon_app, name="lexicon")

err = Console(stderr=True, highlight=False)
# Off a terminal rich would squeeze tables into 80 columns; logs and pipes read better with whole rows.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)

ConfigArg = Annotated[Optional[Path], typer.Argument(help="Experiment config (TOML). Default: built-in defaults.")]
SetOpt = Annotated[
    Optional[list[str]], typer.Option("--set", help="Override a key: section.key=value (repeatable).")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")]
InputOpt = Annotated[
    Optional[str], typer.Option("--input", help="Documents to analyse (same as --set ingest.path=...).")
]
JobsOpt = Annotated[int, typer.Option("--jobs", help="Processes for model fits (-1 = every core); outputs do not change.")]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress or per-stage lines; warnings and the summary still print.")
]
RunDirArg = Annotated[Path, typer.Argument(help="A run folder: outputs/<experiment>/<run-id>/.")]
MetricOpt = Annotated[
    str, typer.Option("--metric", help="hellinger, jensen_shannon or cosine (reported as similarity, 1 = identical).")
]


@contextmanager
def errors_as_exit_codes(debug: bool) -> Iterator[None]:
    try:
        yield
    except PipelineError as exc:
        if debug:
            err.print(traceback.format_exc(), markup=False)
        # typer.echo, not rich: rich wraps long lines, and an error must stay one line for scripts and logs.
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("interrupted: no run folder was completed; earlier runs are untouched", err=True)
        raise typer.Exit(130) from None


def with_progress(command: Callable[..., T], config: Config, jobs: int, quiet: bool = False) -> T:
    """command(config, reporter, n_jobs=jobs) with a live progress display on a terminal."""
    from pipeline.progress import WarningsOnlyReporter, reporter_for_terminal

    reporter = WarningsOnlyReporter() if quiet else reporter_for_terminal(err)
    try:
        return command(config, reporter, n_jobs=jobs)
    finally:
        reporter.close()


def overrides_from(set_: Optional[list[str]], input_path: Optional[str]) -> list[str]:
    overrides = list(set_ or [])
    if input_path is not None:
        overrides.append(f"ingest.path={toml_string(input_path)}")
    return overrides


def toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    app()
