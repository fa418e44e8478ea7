"""The `themes` command: parses options, calls the runner, turns PipelineError into one line and an exit code."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional, TypeVar

import typer
from rich.console import Console

from pipeline.config import Config, load_config
from pipeline.errors import PipelineError

T = TypeVar("T")

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Evidence-backed theme analysis of documents.")
config_app = typer.Typer(no_args_is_help=True, help="Inspect configuration.")
app.add_typer(config_app, name="config")

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)

ConfigArg = Annotated[Optional[Path], typer.Argument(help="Experiment config (TOML). Default: built-in defaults.")]
SetOpt = Annotated[
    Optional[list[str]], typer.Option("--set", help="Override a key: section.key=value (repeatable).")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")]
InputOpt = Annotated[
    Optional[str], typer.Option("--input", help="Documents to analyse (same as --set ingest.path=...).")
]
JobsOpt = Annotated[int, typer.Option("--jobs", help="Processes for model fits (-1 = every core); outputs do not change.")]


@contextmanager
def _errors_as_exit_codes(debug: bool) -> Iterator[None]:
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


@app.command()
def run(
    config: ConfigArg = None,
    set_: SetOpt = None,
    input_path: InputOpt = None,
    jobs: JobsOpt = -1,
    debug: DebugOpt = False,
) -> None:
    """Run the whole pipeline and write a new run folder under outputs/<experiment>/."""
    with _errors_as_exit_codes(debug):
        # Imported here so `themes --help` stays quick, and inside the handler so Ctrl-C during import exits cleanly.
        from pipeline.runner import run as run_pipeline

        result = _with_progress(run_pipeline, load_config(config, _overrides(set_, input_path)), jobs)
    s = result.summary
    reasons = _counted(s["drop_reasons"]) or "none"
    out.print(
        f"{s['documents']} documents, {s['paragraphs_kept']} paragraphs kept, {s['paragraphs_dropped']} dropped "
        f"({reasons})\nvocabulary {s['vocabulary']} terms, {s['topics']} topics ({s['labeled_topics']} labeled)\n"
        f"{_adjustments(s)}outputs: {result.run_dir}",
        markup=False,
    )
    if s["theme_stability"]:
        out.print(_stability_line(s["theme_stability"], s["seeds"]), markup=False)


def _stability_line(stability: dict[str, float], seeds: int) -> str:
    """"theme stability over 5 seeds (least stable first): a 0.41, b 0.97; no topic in any seed: c"."""
    ranked = sorted(((v, t) for t, v in stability.items() if v == v), key=lambda item: item[0])
    line = f"theme stability over {seeds} seeds (least stable first): "
    line += ", ".join(f"{theme} {value:.3f}" for value, theme in ranked) or "none"
    without = [t for t, v in stability.items() if v != v]  # NaN: no seed's model has a topic for the theme
    return line + (f"; no topic in any seed: {', '.join(without)}" if without else "")


@app.command()
def sweep(
    config: ConfigArg = None,
    k: Annotated[
        Optional[str], typer.Option("--k", help='Topic counts: "4:16", "4:16:2", "5,7,9" (same as --set sweep.k=...).')
    ] = None,
    seeds: Annotated[
        Optional[int], typer.Option("--seeds", min=1, help="Fits per topic count (same as --set sweep.seeds=...).")
    ] = None,
    set_: SetOpt = None,
    input_path: InputOpt = None,
    jobs: JobsOpt = -1,
    debug: DebugOpt = False,
) -> None:
    """Fit every (topic count, seed), score coherence, diversity, exclusivity, perplexity, stability; recommend K."""
    with _errors_as_exit_codes(debug):
        from pipeline.sweep import sweep as run_sweep

        overrides = _overrides(set_, input_path)
        if k is not None:
            overrides.append(f"sweep.k={_toml_string(k)}")
        if seeds is not None:
            overrides.append(f"sweep.seeds={seeds}")
        result = _with_progress(run_sweep, load_config(config, overrides), jobs)
    out.print(result.text, markup=False, end="")
    out.print(f"outputs: {result.sweep_dir}", markup=False)


def _adjustments(summary: dict) -> str:
    """"skipped 2 (binary 1, empty 1); repaired 1 (cp1252 1)\n", or "" when the input needed neither."""
    parts = [
        f"{action} {sum(counts.values())} ({_counted(counts)})"
        for action in ("skipped", "repaired")
        if (counts := summary[action])
    ]
    return "; ".join(parts) + "\n" if parts else ""


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


@app.command()
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A run folder: outputs/<experiment>/<run-id>/.")],
    gold: Annotated[Path, typer.Option("--gold", help="Hand-coded units, JSONL: doc, start, end, primary, accept.")],
    out_dir: Annotated[
        Optional[Path], typer.Option("--out", help="Where to write the tables. Default: RUN_DIR/evaluation/.")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Score a run against gold units: per-theme P/R/F1, macro-F1, accuracy, confusion, document distances."""
    from pipeline.evaluate import evaluate as evaluate_run
    from pipeline.evaluate import evaluation_tables, write_evaluation

    with _errors_as_exit_codes(debug):
        evaluation = evaluate_run(run_dir, gold)
        written = write_evaluation(evaluation, out_dir or run_dir / "evaluation")
    for table in evaluation_tables(evaluation):
        out.print(table, markup=False)
    out.print(f"outputs: {written}", markup=False)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder: outputs/<experiment>/<run-id>/.")],
    sweep: Annotated[
        Optional[Path], typer.Option("--sweep", help="A sweep folder (or its sweep.csv) to chart in the report.")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Rebuild RUN_DIR/report.html and RUN_DIR/charts/*.svg from the run's saved files (no refitting)."""
    from pipeline.report import write_report

    with _errors_as_exit_codes(debug):
        written = write_report(run_dir, sweep)
    out.print("\n".join(f"wrote {path}" for path in written), markup=False)


@config_app.command("show")
def config_show(config: ConfigArg = None, set_: SetOpt = None, debug: DebugOpt = False) -> None:
    """Print the resolved config (defaults + file + --set) as TOML."""
    with _errors_as_exit_codes(debug):
        out.print(load_config(config, list(set_ or [])).to_toml(), markup=False, end="")


def _with_progress(command: Callable[..., T], config: Config, jobs: int) -> T:
    """command(config, reporter, n_jobs=jobs) with a live progress display on a terminal."""
    from pipeline.progress import reporter_for_terminal

    reporter = reporter_for_terminal(err)
    try:
        return command(config, reporter, n_jobs=jobs)
    finally:
        reporter.close()


def _overrides(set_: Optional[list[str]], input_path: Optional[str]) -> list[str]:
    overrides = list(set_ or [])
    if input_path is not None:
        overrides.append(f"ingest.path={_toml_string(input_path)}")
    return overrides


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    app()
