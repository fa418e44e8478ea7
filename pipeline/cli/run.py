"""`themes run`, `sweep`, `config show` and `cache clear`: the commands that run stages."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from pipeline.config_files import load_config
from pipeline.cli.app import (
    ConfigArg, DebugOpt, InputOpt, JobsOpt, QuietOpt, SetOpt, app, cache_app, config_app, errors_as_exit_codes, out,
    overrides_from, toml_string, with_progress,
)
from pipeline.errors import COUNTED_ACTIONS


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
    with errors_as_exit_codes(debug):
        # Imported here so `themes --help` stays quick, and inside the handler so Ctrl-C during import exits cleanly.
        from pipeline.runner import run as run_pipeline
        from pipeline.store.audit import summary_lines as audit_lines

        overrides = overrides_from(set_, input_path)
        if no_cache:
            overrides.append("cache.enabled=false")
        result = with_progress(run_pipeline, load_config(config, overrides), jobs, quiet)
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
    with errors_as_exit_codes(debug):
        from pipeline.commands.sweep import sweep as run_sweep

        overrides = overrides_from(set_, input_path)
        if k is not None:
            overrides.append(f"sweep.k={toml_string(k)}")
        if seeds is not None:
            overrides.append(f"sweep.seeds={seeds}")
        result = with_progress(run_sweep, load_config(config, overrides), jobs, quiet)
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


@cache_app.command("clear")
def cache_clear(config: ConfigArg = None, set_: SetOpt = None, debug: DebugOpt = False) -> None:
    """Delete the stage cache the config names ([cache] dir; default <output_dir>/.cache). Runs are untouched."""
    from pipeline.store.cache import cache_dir, clear

    with errors_as_exit_codes(debug):
        cleared = clear(cache_dir(load_config(config, list(set_ or []))))
    out.print(
        f"removed {cleared.entries} cache entries ({cleared.size_bytes / 1e6:.1f} MB) from {cleared.directory}",
        markup=False,
    )


@config_app.command("show")
def config_show(config: ConfigArg = None, set_: SetOpt = None, debug: DebugOpt = False) -> None:
    """Print the resolved config (defaults + file + --set) as TOML."""
    with errors_as_exit_codes(debug):
        out.print(load_config(config, list(set_ or [])).to_toml(), markup=False, end="")
