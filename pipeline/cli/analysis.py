"""The commands that read finished runs: evaluate, compare, effects, diff, reproduce, infer, runs, report and
`lexicon suggest`. Each parses options and calls one function of pipeline/commands/."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.config import Config
from pipeline.cli.app import (
    DebugOpt, MetricOpt, RunDirArg, app, err, errors_as_exit_codes, lexicon_app, out, toml_string,
)


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

    with errors_as_exit_codes(debug):
        evaluation = evaluate_run(run_dir, gold)
        written = write_evaluation(evaluation, out_dir or run_dir / "evaluation")
    for table in evaluation_tables(evaluation):
        out.print(table, markup=False)
    out.print(f"outputs: {written}", markup=False)


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

    with errors_as_exit_codes(debug):
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

    with errors_as_exit_codes(debug):
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

    with errors_as_exit_codes(debug):
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

    with errors_as_exit_codes(debug):
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

    with errors_as_exit_codes(debug):
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

    with errors_as_exit_codes(debug):
        found = list_runs(output_dir, experiment)
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in found], indent=2, ensure_ascii=False))
    else:
        out.print(runs_table(found, output_dir), markup=False)


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

    with errors_as_exit_codes(debug):
        written = write_report(run_dir, sweep, rebuilt_by="themes report" + (" --sweep" if sweep else ""))
    out.print("\n".join(f"wrote {path}" for path in written), markup=False)


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
    with errors_as_exit_codes(debug):
        from pipeline.commands.lexicon import write_suggestions

        path, suggestions = write_suggestions(run_dir, out_path)
    added = sum(len(t.added) for t in suggestions if t.topic is None)
    new = [t.name for t in suggestions if t.topic is not None]
    out.print(
        f"{added} seeds proposed for {sum(1 for t in suggestions if t.topic is None and t.added)} themes; "
        f"{len(new)} new themes from uncovered topics{': ' + ', '.join(new) if new else ''}\n"
        f"lexicon: {path}\nedit it, then: themes run --set lexicon.path={toml_string(str(path))}",
        markup=False,
    )
