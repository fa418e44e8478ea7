"""The `themes` command: parses options, calls the runner, turns PipelineError into one line and an exit code."""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from pipeline.config import load_config
from pipeline.errors import PipelineError

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
    input_path: Annotated[
        Optional[str], typer.Option("--input", help="Documents to analyse (same as --set ingest.path=...).")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Run the whole pipeline and write a new run folder under outputs/<experiment>/."""
    with _errors_as_exit_codes(debug):
        # Imported here so `themes --help` stays quick, and inside the handler so Ctrl-C during import exits cleanly.
        from pipeline.progress import reporter_for_terminal
        from pipeline.runner import run as run_pipeline

        overrides = list(set_ or [])
        if input_path is not None:
            overrides.append(f"ingest.path={_toml_string(input_path)}")
        resolved = load_config(config, overrides)
        reporter = reporter_for_terminal(err)
        try:
            result = run_pipeline(resolved, reporter)
        finally:
            reporter.close()
    s = result.summary
    reasons = _counted(s["drop_reasons"]) or "none"
    out.print(
        f"{s['documents']} documents, {s['paragraphs_kept']} paragraphs kept, {s['paragraphs_dropped']} dropped "
        f"({reasons})\nvocabulary {s['vocabulary']} terms, {s['topics']} topics ({s['labeled_topics']} labeled)\n"
        f"{_adjustments(s)}outputs: {result.run_dir}",
        markup=False,
    )


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


RunDirArg = Annotated[Path, typer.Argument(help="A run folder: outputs/<experiment>/<run-id>/.")]
MetricOpt = Annotated[
    str, typer.Option("--metric", help="hellinger, jensen_shannon or cosine (reported as similarity, 1 = identical).")
]


@app.command()
def compare(
    run_dir: RunDirArg,
    doc: Annotated[
        Optional[list[str]], typer.Option("--doc", help="A doc_id (or its unique prefix); give two to compare a pair.")
    ] = None,
    by: Annotated[
        str, typer.Option("--by", help="Group by a documents.csv column or metadata key, e.g. date:year, country.")
    ] = "",
    metric: MetricOpt = "hellinger",
    top: Annotated[int, typer.Option("--top", help="Nearest documents / distinctive or differing themes shown.")] = 3,
    paragraphs: Annotated[int, typer.Option("--paragraphs", help="Supporting paragraphs per theme and document.")] = 2,
    min_weight: Annotated[
        float, typer.Option("--min-weight", help="Least weight on a theme for a paragraph to be cited for it.")
    ] = 0.1,
    out_dir: Annotated[
        Optional[Path], typer.Option("--out", help="Where to write the tables. Default: RUN_DIR/compare/.")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Compare documents by theme: similarity and nearest documents, two documents with evidence, or groups."""
    from pipeline.comparison import compare as compare_run
    from pipeline.comparison import comparison_report, write_comparison

    with _errors_as_exit_codes(debug):
        comparison = compare_run(
            run_dir, metric=metric, docs=doc or (), by=by, top=top, paragraphs=paragraphs, min_weight=min_weight
        )
        written = write_comparison(comparison, out_dir)
    for part in comparison_report(comparison):
        out.print(part, markup=False)
    folder = Path(os.path.commonpath([p.parent for p in written]))
    out.print(f"outputs: {folder} ({', '.join(str(p.relative_to(folder)) for p in written)})", markup=False)


@app.command()
def diff(
    run_a: Annotated[Path, typer.Argument(help="The earlier run folder (A).")],
    run_b: Annotated[Path, typer.Argument(help="The run folder to compare with it (B), on the same corpus.")],
    metric: MetricOpt = "hellinger",
    out_dir: Annotated[
        Optional[Path], typer.Option("--out", help="Where to write the tables. Default: RUN_B/diff-<run A id>/.")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """What changed between two runs: weight changes per document and theme, topic matches, config."""
    from pipeline.run_diff import diff as diff_runs
    from pipeline.run_diff import diff_report, write_diff

    with _errors_as_exit_codes(debug):
        run_diff = diff_runs(run_a, run_b, metric=metric)
        written = write_diff(run_diff, out_dir)
    for part in diff_report(run_diff):
        out.print(part, markup=False)
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


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    app()
