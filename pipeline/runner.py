"""Runner: orders the stages, times them, and hands their outputs to the run folder."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.fitting import Fitted, fit
from pipeline.lexicon import load_lexicon
from pipeline.memory import map_large_blocks
from pipeline.progress import Reporter, SilentReporter
from pipeline.report import write_report
from pipeline.report.files import ParagraphDigest, digest_paragraphs
from pipeline.stage_runner import Stages
from pipeline.stages.checks import check_paragraphs, check_vocabulary
from pipeline.stages.clean import clean, shared_boilerplate
from pipeline.stages.ingest import ingest, input_files
from pipeline.stages.segment import segment
from pipeline.stages.surface import surface_forms
from pipeline.stages.tokenize import build_analyzer, seed_spellings, seed_terms, tokenize, usable_seeds
from pipeline.stages.vectorize import filters_for_size, vectorize
from pipeline.store import artifacts, frames
from pipeline.store.audit import audit_summary, uncovered_topics_table, write_summary
from pipeline.store.cache import StageCache, written_folders
from pipeline.store.manifest import describe_files, describe_inputs, warning_summary, write_manifest
from pipeline.store.read import load_run
from pipeline.types import Document, Lexicon, Paragraph, Tokenized, Vectors


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    run_id: str
    summary: dict[str, Any]


@dataclass(frozen=True)
class Prepared:
    """The corpus up to the model stage, and the lexicon's seeds: what a run and a sweep share."""

    lexicon: Lexicon
    # Without their text: the paragraphs hold it from segment on, and a large corpus would otherwise be held twice.
    documents: list[Document]
    inputs: list[dict[str, Any]]  # the manifest's entry per document, taken while they held their text
    boilerplate: list[str]  # the normalized lines cleaning found shared across documents (`themes infer` drops them)
    paragraphs: list[Paragraph]
    tokenized: Tokenized
    theme_terms: dict[str, list[str]]
    kept: list[bool]
    vectors: Vectors
    files: Any  # the input files as described in the manifest


def prepare(config: Config, stages: Stages) -> Prepared:
    """ingest -> clean -> segment -> tokenize -> vectorize (cached like any stage), and the lexicon's seeds."""
    lexicon = load_lexicon(config.lexicon)
    files, documents, inputs, boilerplate, paragraphs = _segmented(config, stages)
    with stages.stage("tokenize") as counts:
        # workers is left out of the key: the tokens are the same for any number of them.
        tokenized = stages.cached(
            "tokenize",
            lambda: tokenize(paragraphs, config.tokenize, workers=config.workers, progress=stages.progress("tokenize")),
            after=["segment"],
            parts=[config.tokenize],
        )
        counts["tokens"] = len(tokenized.token_ids.ids)
    kept = [p.kept for p in paragraphs]
    with stages.stage("vectorize") as counts:
        filters = filters_for_size(config.vectorize, sum(kept))
        vectors = stages.cached(
            "vectorize", lambda: vectorize(tokenized, kept, filters), after=["tokenize"], parts=[filters]
        )
        counts["vocabulary"] = len(vectors.terms)
        if filters != config.vectorize:  # the effective values, in the manifest beside the configured ones
            counts |= {"no_below": filters.no_below, "no_above": filters.no_above}
        check_vocabulary(tokenized, kept, vectors, filters)
    theme_terms = seed_terms(lexicon, build_analyzer(config.tokenize), vectors.terms)
    return Prepared(lexicon, documents, inputs, boilerplate, paragraphs, tokenized, theme_terms, kept, vectors, files)


def _segmented(
    config: Config, stages: Stages
) -> tuple[Any, list[Document], list[dict[str, Any]], list[str], list[Paragraph]]:
    """ingest -> clean -> segment: the input files, documents (their text dropped), their manifest entries, shared
    boilerplate lines and paragraphs. The cleaned lines end here: a large corpus has millions, and later stages
    need only the boilerplate among them."""
    with stages.stage("ingest") as counts:
        exclude = written_folders(config)
        files = describe_files(input_files(config.ingest, exclude))
        documents = stages.cached("ingest", lambda: ingest(config.ingest, exclude), parts=[config.ingest, files])
        counts["documents"] = len(documents)
    with stages.stage("clean") as counts:
        lines = stages.cached(
            "clean", lambda: clean(documents, config.clean, workers=config.workers), after=["ingest"], parts=[config.clean]
        )
        counts["lines"] = sum(map(len, lines))
        counts["lines_dropped"] = sum(1 for doc in lines for line in doc if line.drop_reason)
    with stages.stage("segment") as counts:
        paragraphs = stages.cached(
            "segment", lambda: segment(documents, lines, config.segment, workers=config.workers),
            after=["clean"], parts=[config.segment]
        )
        counts["paragraphs"] = len(paragraphs)
        counts["paragraphs_kept"] = sum(p.kept for p in paragraphs)
        check_paragraphs(documents, paragraphs)
    inputs, boilerplate = describe_inputs(documents), shared_boilerplate(documents, lines)
    return files, [replace(d, text="") for d in documents], inputs, boilerplate, paragraphs


def run(
    config: Config, reporter: Reporter | None = None, *, output_dir: Path | None = None, n_jobs: int = -1
) -> RunResult:
    """Run every stage on `config` and write a complete run folder (under `output_dir` if given, else
    `config.output_dir`); return where it is and a summary. `n_jobs` processes fit the `model.seeds` models."""
    map_large_blocks()
    cache = StageCache.for_config(config)
    stages = Stages(reporter or SilentReporter(), cache)
    if config.engine == "spark":
        from pipeline.engines.spark import run_spark  # pyspark is an optional extra: imported only when asked for

        run_dir, run_id, summary = run_spark(config, stages, output_dir)
        return RunResult(run_dir=run_dir, run_id=run_id, summary=summary)
    prepared = prepare(config, stages)
    config_hash = config.hash()
    output_dir = Path(output_dir or config.output_dir)
    # Opened before the model is fitted: the weight tables are written while it is (`fit`), and a folder that
    # cannot be made fails the run before its longest step.
    folder = artifacts.RunFolder(output_dir, config.experiment, artifacts.make_run_id(config_hash))
    with folder:
        written: list[str] = []
        digests: list[ParagraphDigest] = []

        def write_tables(tables: dict[str, Any]) -> None:
            written.extend(_write_tables(tables, folder.path))
            if config.report.enabled and "paragraphs.csv" in tables:
                # The report's reading of paragraphs.csv, taken while the model is still fitted.
                digests.append(digest_paragraphs(load_run(folder.path), config.report.paragraphs_per_theme))

        fitted = fit(config, prepared, stages, n_jobs, write_tables)
        with stages.stage("write") as counts:
            lexicon_audit, files = _write(config, config_hash, prepared, fitted, stages, folder)
            counts["files"] = files + len(written)
            found = _found(prepared, fitted, lexicon_audit)
            # The report reads only the files just written: the corpus in memory goes first, or the report's own
            # peak would sit on top of it (a gigabyte at 300k paragraphs).
            del prepared, fitted
            if config.report.enabled:
                write_report(folder.path, digest=digests[0] if digests else None)
    summary = {
        **found,
        **warning_summary(stages.records),
        "reused_stages": stages.reused,
        "cache": str(cache.directory) if cache.directory else "",
        "cache_problem": cache.write_problem,
    }
    return RunResult(run_dir=folder.final, run_id=folder.run_id, summary=summary)


def _found(prepared: Prepared, fitted: Fitted, lexicon_audit: dict[str, Any]) -> dict[str, Any]:
    """The run summary's account of the corpus and what the stages found in it."""
    return {
        "documents": len(prepared.documents),
        "paragraphs": len(prepared.paragraphs),
        "paragraphs_kept": sum(p.kept for p in prepared.paragraphs),
        "paragraphs_dropped": sum(not p.kept for p in prepared.paragraphs),
        "vocabulary": len(prepared.vectors.terms),
        "topics": len(fitted.topic_model.seed_theme),
        "labeled_topics": sum(t != "unlabeled" for t in fitted.labels.theme),
        "drop_reasons": _count_reasons(prepared.paragraphs),
        "seeds": len(fitted.replicates),
        "theme_stability": fitted.stability_scores,
        "lexicon_audit": lexicon_audit,
    }


def _write(
    config: Config, config_hash: str, prepared: Prepared, fitted: Fitted, stages: Stages, folder: artifacts.RunFolder
) -> tuple[dict[str, Any], int]:
    """The run's tables, models and manifest into `folder` (the report is written after); the audit's summary; how
    many files it holds at the top (the tables, summary.json, config.toml, lexicon.toml, manifest.json)."""
    lexicon, vectors, evidence, labels = prepared.lexicon, prepared.vectors, fitted.evidence, fitted.labels
    used_terms = fitted.weights.theme_terms or fitted.expanded
    shown = {t for terms in (*labels.top_terms, *labels.tfidf_terms) for t, _ in terms}
    shown |= {t for topic in fitted.audit.topics for t, _ in topic.top_terms}
    display = fitted.display | surface_forms(
        prepared.paragraphs, prepared.tokenized, shown - fitted.display.keys(), config.tokenize
    )
    spellings = seed_spellings(lexicon, build_analyzer(config.tokenize))
    tables = {
        **fitted.weight_tables,
        "topics.csv": frames.topic_table(fitted.topic_model, labels, display),
        "lexicon_coverage.csv": frames.coverage_table(
            usable_seeds(lexicon, vectors.terms), prepared.theme_terms, evidence.present_terms(prepared.kept), spellings
        ),
        "uncovered_topics.csv": uncovered_topics_table(fitted.audit, display),
        "theme_terms.csv": frames.theme_terms_table(
            lexicon.names, used_terms, evidence.terms, frames.paragraphs_per_term(evidence.counts), display
        ),
        **fitted.stability_tables,
    }
    lexicon_audit = audit_summary(fitted.audit, display)
    _write_tables(tables, folder.path)
    write_summary(folder.path, lexicon_audit)
    (folder.path / "config.toml").write_text(config.to_toml(results_only=True), encoding="utf-8")
    artifacts.save_models(folder.path, vectors.dictionary, prepared.tokenized.phraser, fitted.topic_model)
    artifacts.save_for_infer(
        folder.path, lexicon, evidence.terms, fitted.expanded, fitted.weights.theme_model, prepared.boilerplate
    )
    write_manifest(
        folder.path,
        run_id=folder.run_id,
        experiment=config.experiment,
        config_hash=config_hash,
        seed=config.seed,
        inputs=prepared.inputs,
        stages=stages.records,
        input_files=prepared.files,
    )
    return lexicon_audit, len(tables) + 4


def _write_tables(tables: dict[str, Any], folder: Path) -> list[str]:
    for name, frame in tables.items():
        artifacts.write_csv(frame, folder / name)
    return list(tables)


def _count_reasons(paragraphs) -> dict[str, int]:
    reasons: dict[str, int] = {}
    for p in paragraphs:
        if not p.kept:
            reasons[p.drop_reason] = reasons.get(p.drop_reason, 0) + 1
    return dict(sorted(reasons.items()))
