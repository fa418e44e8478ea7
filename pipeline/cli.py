"""The `themes` command: parses options, calls the runner, turns PipelineError into one line and an exit code."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional, TypeVar

import typer
from rich.console import Console

from pipeline.config import Config, load_config
from pipeline.errors import COUNTED_ACTIONS, PipelineError

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
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Compute every stage (same as --set cache.enabled=false).")
    ] = False,
    jobs: JobsOpt = -1,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Run the whole pipeline and write a new run folder under outputs/<experiment>/."""
    with _errors_as_exit_codes(debug):
        # Imported here so `themes --help` stays quick, and inside the handler so Ctrl-C during import exits cleanly.
        from pipeline.runner import run as run_pipeline
        from pipeline.store.audit import summary_lines as audit_lines

        overrides = _overrides(set_, input_path)
        if no_cache:
            overrides.append("cache.enabled=false")
        result = _with_progress(run_pipeline, load_config(config, overrides), jobs, quiet)
    s = result.summary
    reasons = _counted(s["drop_reasons"]) or "none"
    out.print(
        f"{s['documents']} documents, {s['paragraphs_kept']} paragraphs kept, {s['paragraphs_dropped']} dropped "
        f"({reasons})\nvocabulary {s['vocabulary']} terms, {s['topics']} topics ({s['labeled_topics']} labeled)\n"
        f"{_adjustments(s)}{_cache_line(s)}\noutputs: {result.run_dir}",
        markup=False,
    )
    if s["theme_stability"]:
        out.print(_stability_line(s["theme_stability"], s["seeds"]), markup=False)
    out.print("\n".join(audit_lines(s["lexicon_audit"])), markup=False)


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
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Fit every (topic count, seed), score coherence, diversity, exclusivity, perplexity, stability; recommend K."""
    with _errors_as_exit_codes(debug):
        from pipeline.commands.sweep import sweep as run_sweep

        overrides = _overrides(set_, input_path)
        if k is not None:
            overrides.append(f"sweep.k={_toml_string(k)}")
        if seeds is not None:
            overrides.append(f"sweep.seeds={seeds}")
        result = _with_progress(run_sweep, load_config(config, overrides), jobs, quiet)
    out.print(result.text, markup=False, end="")
    out.print(f"outputs: {result.sweep_dir}", markup=False)


def _cache_line(summary: dict) -> str:
    if not summary["cache"]:
        return "cache: off"
    if summary["cache_problem"]:
        return f"cache: {summary['cache_problem']}"
    reused = ", ".join(summary["reused_stages"]) or "no stage"
    return f"cache: reused {reused} ({summary['cache']})"


def _adjustments(summary: dict) -> str:
    """"skipped 2 (binary 1, empty 1); repaired 1 (cp1252 1)\n", or "" when the input needed none of these."""
    parts = [
        f"{action} {sum(counts.values())} ({_counted(counts)})"
        for action in COUNTED_ACTIONS
        if (counts := summary[action])
    ]
    return "; ".join(parts) + "\n" if parts else ""


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


@app.command()
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A run folder: outputs/<experiment>/<run-id>/.")],
    gold: Annotated[
        Path,
        typer.Option(
            "--gold",
            help="Hand-coded units, JSONL or CSV: doc, start, end, primary, accept (no start/end: whole documents).",
        ),
    ],
    out_dir: Annotated[
        Optional[Path], typer.Option("--out", help="Where to write the tables. Default: RUN_DIR/evaluation/.")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Score a run against gold units: per-theme P/R/F1, macro-F1, accuracy, confusion, document distances."""
    from pipeline.commands.evaluate import evaluate as evaluate_run
    from pipeline.commands.evaluate import evaluation_tables, write_evaluation

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
    from pipeline.commands.compare import compare as compare_run
    from pipeline.commands.compare import comparison_report, write_comparison

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
def effects(
    run_dir: RunDirArg,
    formula: Annotated[
        Optional[list[str]],
        typer.Option("--formula", help="Covariates as a patsy formula, e.g. '~ year', '~ bs(year, df=4) + country' "
                     "(repeatable). Default: '~ year'."),
    ] = None,
    theme: Annotated[Optional[list[str]], typer.Option("--theme", help="Only this theme (repeatable).")] = None,
    min_documents: Annotated[
        int, typer.Option("--min-documents", help="Least documents behind each level of a categorical term.")
    ] = 5,
    out_dir: Annotated[
        Optional[Path], typer.Option("--out", help="Where to write the tables. Default: RUN_DIR/effects/.")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """How theme shares move with document covariates (year, country, ...), with 90% intervals."""
    from pipeline.commands.effects import effects as estimate_effects
    from pipeline.commands.effects import write_effects
    from pipeline.commands.effects.display import effects_report

    with _errors_as_exit_codes(debug):
        result = estimate_effects(run_dir, formula or ["~ year"], themes=theme or (), min_documents=min_documents)
        written = write_effects(result, run_dir, out_dir)
    for part in effects_report(result):
        out.print(part, markup=False)
    folder = Path(os.path.commonpath([p.parent for p in written]))
    out.print(f"outputs: {folder} ({len(written)} files: effects.csv, prevalence.csv, charts/)", markup=False)


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
    from pipeline.commands.diff import diff as diff_runs
    from pipeline.commands.diff import diff_report, write_diff

    with _errors_as_exit_codes(debug):
        run_diff = diff_runs(run_a, run_b, metric=metric)
        written = write_diff(run_diff, out_dir)
    for part in diff_report(run_diff):
        out.print(part, markup=False)
    out.print(f"outputs: {written}", markup=False)


@app.command()
def reproduce(
    run_dir: RunDirArg,
    keep: Annotated[
        Optional[Path], typer.Option("--keep", help="Keep the re-run in this folder (default: a deleted temporary one).")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Re-run RUN_DIR from its config.toml and inputs; compare every output file's sha256 with its manifest."""
    from pipeline.progress import reporter_for_terminal
    from pipeline.commands.reproduce import reproduce as reproduce_run
    from pipeline.commands.reproduce import reproduction_report

    with _errors_as_exit_codes(debug):
        reporter = reporter_for_terminal(err)
        try:
            result = reproduce_run(run_dir, keep, reporter)
        finally:
            reporter.close()
    for part in reproduction_report(result):
        out.print(part, markup=False)
    raise typer.Exit(0 if result.identical else 1)


@app.command()
def infer(
    run_dir: RunDirArg,
    new_docs: Annotated[list[str], typer.Argument(help="Files, folders or globs of new documents.")],
    out_dir: Annotated[
        Optional[Path], typer.Option("--out", help="Folder for the results (default: RUN_DIR/infer/); a new <id>/ inside.")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Apply RUN_DIR's models to new documents; write their paragraphs.csv and documents.csv (same columns)."""
    from pipeline.commands.infer import infer as infer_run

    with _errors_as_exit_codes(debug):
        result = infer_run(run_dir, new_docs, out_dir)
    out.print(
        f"{result.documents} documents, {result.paragraphs_kept} paragraphs kept, {result.paragraphs_dropped} "
        f"dropped\noutputs: {result.out_dir}",
        markup=False,
    )


@app.command()
def runs(
    experiment: Annotated[Optional[str], typer.Argument(help="An experiment name (default: every experiment).")] = None,
    output_dir: Annotated[
        Path, typer.Option("--output-dir", help="The folder holding experiment folders (config key output_dir).")
    ] = Path(Config.model_fields["output_dir"].default),
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
    debug: DebugOpt = False,
) -> None:
    """List finished runs: id, date, config hash, corpus, and the top theme (and macro-F1 if evaluated)."""
    from pipeline.commands.runs import list_runs, runs_table

    with _errors_as_exit_codes(debug):
        found = list_runs(output_dir, experiment)
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in found], indent=2, ensure_ascii=False))
    else:
        out.print(runs_table(found, output_dir), markup=False)


@cache_app.command("clear")
def cache_clear(config: ConfigArg = None, set_: SetOpt = None, debug: DebugOpt = False) -> None:
    """Delete the stage cache the config names ([cache] dir; default <output_dir>/.cache). Runs are untouched."""
    from pipeline.store.cache import cache_dir, clear

    with _errors_as_exit_codes(debug):
        cleared = clear(cache_dir(load_config(config, list(set_ or []))))
    out.print(
        f"removed {cleared.entries} cache entries ({cleared.size_bytes / 1e6:.1f} MB) from {cleared.directory}",
        markup=False,
    )


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
        written = write_report(run_dir, sweep, rebuilt_by="themes report" + (" --sweep" if sweep else ""))
    out.print("\n".join(f"wrote {path}" for path in written), markup=False)


@config_app.command("show")
def config_show(config: ConfigArg = None, set_: SetOpt = None, debug: DebugOpt = False) -> None:
    """Print the resolved config (defaults + file + --set) as TOML."""
    with _errors_as_exit_codes(debug):
        out.print(load_config(config, list(set_ or [])).to_toml(), markup=False, end="")


def _with_progress(command: Callable[..., T], config: Config, jobs: int, quiet: bool = False) -> T:
    """command(config, reporter, n_jobs=jobs) with a live progress display on a terminal."""
    from pipeline.progress import WarningsOnlyReporter, reporter_for_terminal

    reporter = WarningsOnlyReporter() if quiet else reporter_for_terminal(err)
    try:
        return command(config, reporter, n_jobs=jobs)
    finally:
        reporter.close()


@lexicon_app.command("suggest")
def lexicon_suggest(
    run_dir: RunDirArg,
    out_path: Annotated[
        Optional[Path],
        typer.Option("--out", help="Where to write the lexicon TOML. Default: RUN_DIR/lexicon-suggested.toml."),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Propose seeds for each theme and new themes for uncovered topics, as a lexicon TOML to edit and re-run."""
    with _errors_as_exit_codes(debug):
        from pipeline.commands.lexicon import write_suggestions

        path, suggestions = write_suggestions(run_dir, out_path)
    added = sum(len(t.added) for t in suggestions if t.topic is None)
    new = [t.name for t in suggestions if t.topic is not None]
    out.print(
        f"{added} seeds proposed for {sum(1 for t in suggestions if t.topic is None and t.added)} themes; "
        f"{len(new)} new themes from uncovered topics{': ' + ', '.join(new) if new else ''}\n"
        f"lexicon: {path}\nedit it, then: themes run --set lexicon.path={_toml_string(str(path))}",
        markup=False,
    )


def _overrides(set_: Optional[list[str]], input_path: Optional[str]) -> list[str]:
    overrides = list(set_ or [])
    if input_path is not None:
        overrides.append(f"ingest.path={_toml_string(input_path)}")
    return overrides


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    app()
