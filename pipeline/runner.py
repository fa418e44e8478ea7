"""Runner: orders the stages, times them, and hands their outputs to the run folder."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from pipeline.store import artifacts, frames
from pipeline.store.audit import audit_summary, uncovered_topics_table, write_summary
from pipeline.store.cache import SavedWarning, StageCache, stage_key, written_folders
from pipeline.stages.checks import check_lexicon_coverage, check_paragraphs, check_vocabulary
from pipeline.config import Config, LabelConfig
from pipeline.errors import PipelineWarning
from pipeline.lexicon import load_lexicon
from pipeline.progress import Reporter, SilentReporter, summarize_warnings
from pipeline.report import write_report
from pipeline.stages.audit import audit_lexicon, warn_about_coverage
from pipeline.stages.clean import clean, shared_boilerplate
from pipeline.stages.ingest import ingest, input_files
from pipeline.stages.evidence import evidence_counts, seed_matrix
from pipeline.stages.label import document_tfidf_terms, expand_lexicon, label_topics
from pipeline.stages.model import fit_replicates, replicate_seeds
from pipeline.stages.segment import segment
from pipeline.stages.surface import evidence_terms, readable_evidence, surface_forms
from pipeline.stages.stability import align_topics, combine_replicates, theme_stability
from pipeline.stages.tokenize import build_analyzer, seed_spellings, seed_terms, tokenize, usable_seeds
from pipeline.stages.vectorize import filters_for_size, vectorize
from pipeline.stages.weigh import weigh
from pipeline.types import (
    Document, EvidenceCounts, Lexicon, Paragraph, ProgressHook, ThemeTerms, ThemeWeights, TopicLabels, TopicModel,
    Tokenized, Vectors,
)

T = TypeVar("T")
# Evidence strings are built with the terms as the model knows them and made readable when written, once the
# terms shown are known (their display forms are counted for those terms only).
NORMALIZED: dict[str, str] = {}


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    run_id: str
    summary: dict[str, Any]


@dataclass(frozen=True)
class Prepared:
    """The corpus up to the model stage, and the lexicon's seeds: what a run and a sweep share."""

    lexicon: Lexicon
    documents: list[Document]
    boilerplate: list[str]  # the normalized lines cleaning found shared across documents (`themes infer` drops them)
    paragraphs: list[Paragraph]
    tokenized: Tokenized
    theme_terms: dict[str, list[str]]
    kept: list[bool]
    vectors: Vectors
    files: Any  # the input files as described in the manifest


class Stages:
    """Times each stage, reuses cached outputs, records the PipelineWarnings it raises, and passes all of it to
    the manifest and the display."""

    def __init__(self, reporter: Reporter, cache: StageCache):
        self.reporter = reporter
        self.cache = cache
        self.records: list[artifacts.StageRecord] = []
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
        elapsed = time.perf_counter() - began
        reused = name in self.reused
        self.records.append(artifacts.StageRecord(name, elapsed, counts, ours, reused=reused))
        self.reporter.finish(name, elapsed, {**counts, "from_cache": "reused"} if reused else counts)

    def progress(self, name: str) -> ProgressHook:
        """The hook a long stage calls with (done, total) as it goes; shown by the reporter under `name`."""
        return lambda done, total: self.reporter.advance(name, done, total)

    def cached(self, name: str, compute: Callable[[], T], *, after: Iterable[str] = (), parts: Iterable[Any] = ()) -> T:
        """compute(), or the output cached under a key of `parts` (what else it reads) and the keys of the stages
        `after` it; keys chain, so naming the last upstream stage covers every stage before it. The warnings
        compute() gave are stored with its output and given again on reuse, so the manifest lists them either way."""
        key = stage_key(name, [*(self.keys[stage] for stage in after), *parts])
        self.keys[name] = key
        (value, given), hit = self.cache.get_or_compute(name, key, lambda: _with_warnings(compute))
        if hit:
            self.reused.append(name)
            for warning in given:
                warnings.warn(warning.rebuild(), stacklevel=2)
        return value

    def _sort_warnings(self, caught: list[warnings.WarningMessage]) -> list[PipelineWarning]:
        """Print ours through the reporter; hand anything else (a library's warning) back to Python's filters."""
        ours = [w.message for w in caught if isinstance(w.message, PipelineWarning)]
        for line in summarize_warnings(ours):
            self.reporter.warn(line)
        for w in caught:
            if not isinstance(w.message, PipelineWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
        return ours


def prepare(config: Config, stages: Stages) -> Prepared:
    """ingest -> clean -> segment -> tokenize -> vectorize (cached like any stage), and the lexicon's seeds."""
    lexicon = load_lexicon(config.lexicon)
    files, documents, boilerplate, paragraphs = _segmented(config, stages)
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
    return Prepared(lexicon, documents, boilerplate, paragraphs, tokenized, theme_terms, kept, vectors, files)


def _segmented(config: Config, stages: Stages) -> tuple[Any, list[Document], list[str], list[Paragraph]]:
    """ingest -> clean -> segment: the input files, documents, shared boilerplate lines and paragraphs. The
    cleaned lines end here: a large corpus has millions, and later stages need only the boilerplate among them."""
    with stages.stage("ingest") as counts:
        exclude = written_folders(config)
        files = artifacts.describe_files(input_files(config.ingest, exclude))
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
    return files, documents, shared_boilerplate(documents, lines), paragraphs


def run(
    config: Config, reporter: Reporter | None = None, *, output_dir: Path | None = None, n_jobs: int = -1
) -> RunResult:
    """Run every stage on `config` and write a complete run folder (under `output_dir` if given, else
    `config.output_dir`); return where it is and a summary. `n_jobs` processes fit the `model.seeds` models."""
    cache = StageCache.for_config(config)
    stages = Stages(reporter or SilentReporter(), cache)
    if config.engine == "spark":
        from pipeline.engines.spark import run_spark  # pyspark is an optional extra: imported only when asked for

        run_dir, run_id, summary = run_spark(config, stages, output_dir)
        return RunResult(run_dir=run_dir, run_id=run_id, summary=summary)
    prepared = prepare(config, stages)
    lexicon, documents, paragraphs = prepared.lexicon, prepared.documents, prepared.paragraphs
    tokenized, theme_terms, kept, vectors = prepared.tokenized, prepared.theme_terms, prepared.kept, prepared.vectors
    with stages.stage("model") as counts:
        # The lexicon's only way into the model is an explicit choice to seed topics with it.
        anchors = theme_terms if config.model.seeded else {}
        replicates = stages.cached(
            "model",
            lambda: fit_replicates(
                vectors, kept, anchors, config.model, seed=config.seed, n_jobs=n_jobs, progress=stages.progress("model")
            ),
            after=["vectorize"],
            parts=[config.model, config.seed, list(anchors.items())],
        )
        topic_model = replicates[0]  # the config seed's: topics.csv and models/ keep it
        counts["topics"] = len(topic_model.seed_theme)
        counts["seeds"] = len(replicates)
        if config.model.engine == "tomotopy":
            counts["sweeps_until_converged" if topic_model.converged else "sweeps"] = topic_model.sweeps
    with stages.stage("label") as counts:
        evidence, replicate_labels, expanded = stages.cached(
            "label",
            lambda: _label(tokenized, vectors, replicates, theme_terms, kept, config.label),
            after=["model"],
            parts=[config.label, list(theme_terms.items())],
        )
        labels = replicate_labels[0]
        check_lexicon_coverage(theme_terms, evidence.present_terms(kept))
        counts["labeled_topics"] = sum(t != "unlabeled" for t in labels.theme)
        counts["expansion_terms"] = int(((expanded.weights > 0) & ~expanded.is_seed).sum())
    with stages.stage("weigh") as counts:
        doc_ids = [d.doc_id for d in documents]
        weights = stages.cached(
            "weigh",
            lambda: combine_replicates([
                weigh(
                    paragraphs, doc_ids, evidence.counts, expanded, model, model_labels, lexicon.names, config.label,
                    evidence.terms, NORMALIZED,
                )
                for model, model_labels in zip(replicates, replicate_labels)
            ]),
            after=["label"],
        )
        counts["themes"] = len(lexicon.names)
    with stages.stage("audit") as counts:
        audit = audit_lexicon(
            topic_model, labels, vectors, evidence, weights.theme_terms or expanded, theme_terms, paragraphs, kept
        )
        warn_about_coverage(audit)
        counts["uncovered_topics"] = sum(not t.covered for t in audit.topics)
        counts["seed_token_share"] = f"{audit.seed_token_share:.3f}"
    stability_tables: dict[str, Any] = {}
    stability_scores: dict[str, float] = {}
    if len(replicates) > 1:
        with stages.stage("stability") as counts:
            alignment = align_topics(replicates, replicate_labels, replicate_seeds(config.seed, len(replicates)))
            n_tokens = np.asarray(vectors.counts.sum(axis=1)).ravel()
            stability = theme_stability(
                replicates, replicate_labels, lexicon.names, n_tokens, alignment, weights, config.label.top_terms
            )
            stability_tables = {
                "theme_stability.csv": frames.theme_stability_table(stability),
                "topic_stability.csv": frames.topic_stability_table(alignment, labels),
                "document_seeds.csv": frames.document_seeds_table(doc_ids, alignment.seeds, weights),
            }
            stability_scores = dict(zip(stability.themes, stability.stability.tolist()))
            counts["themes_without_topic"] = int(np.isnan(stability.stability).sum())
    with stages.stage("write") as counts:
        used_terms = weights.theme_terms or expanded
        shown = [t for terms in (*labels.top_terms, *labels.tfidf_terms) for t, _ in terms]
        shown += frames.theme_terms_shown(used_terms, evidence.terms)
        shown += [t for topic in audit.topics for t, _ in topic.top_terms]
        weighed, display = weight_tables(documents, paragraphs, tokenized, vectors, weights, config, shown=shown)
        lexicon_audit = audit_summary(audit, display)
        tables = {
            **weighed,
            "topics.csv": frames.topic_table(topic_model, labels, display),
            "lexicon_coverage.csv": frames.coverage_table(
                usable_seeds(lexicon, vectors.terms), theme_terms, evidence, kept, seed_spellings(lexicon, build_analyzer(config.tokenize))
            ),
            "uncovered_topics.csv": uncovered_topics_table(audit, display),
            "theme_terms.csv": frames.theme_terms_table(lexicon.names, used_terms, evidence, display),
            **stability_tables,
        }
        config_hash = config.hash()
        folder = artifacts.RunFolder(
            Path(output_dir or config.output_dir), config.experiment, artifacts.make_run_id(config_hash)
        )
        with folder:
            for name, frame in tables.items():
                artifacts.write_csv(frame, folder.path / name)
            write_summary(folder.path, lexicon_audit)
            (folder.path / "config.toml").write_text(config.to_toml(results_only=True), encoding="utf-8")
            artifacts.save_models(folder.path, tokenized, vectors, topic_model)
            artifacts.save_for_infer(
                folder.path, lexicon, evidence.terms, expanded, weights.theme_model, prepared.boilerplate
            )
            artifacts.write_manifest(
                folder.path,
                run_id=folder.run_id,
                experiment=config.experiment,
                config_hash=config_hash,
                seed=config.seed,
                documents=documents,
                stages=stages.records,
                input_files=prepared.files,
            )
            if config.report.enabled:
                write_report(folder.path)
        run_dir = folder.final
        counts["files"] = len(tables) + 4  # + summary.json, config.toml, lexicon.toml, manifest.json
    summary = {
        "documents": len(documents),
        "paragraphs": len(paragraphs),
        "paragraphs_kept": sum(p.kept for p in paragraphs),
        "paragraphs_dropped": sum(not p.kept for p in paragraphs),
        "vocabulary": len(vectors.terms),
        "topics": len(topic_model.seed_theme),
        "labeled_topics": sum(t != "unlabeled" for t in labels.theme),
        "drop_reasons": _count_reasons(paragraphs),
        "seeds": len(replicates),
        "theme_stability": stability_scores,
        "lexicon_audit": lexicon_audit,
        **artifacts.warning_summary(stages.records),
        "reused_stages": stages.reused,
        "cache": str(cache.directory) if cache.directory else "",
        "cache_problem": cache.write_problem,
    }
    return RunResult(run_dir=run_dir, run_id=folder.run_id, summary=summary)


def _label(
    tokenized: Tokenized,
    vectors: Vectors,
    replicates: list[TopicModel],
    theme_terms: dict[str, list[str]],
    kept: list[bool],
    config: LabelConfig,
) -> tuple[EvidenceCounts, list[TopicLabels], ThemeTerms]:
    """The label stage: seed evidence per paragraph, a theme per topic of each seed's model, each theme's terms."""
    evidence = evidence_counts(tokenized, vectors, theme_terms)
    labels = [label_topics(model, vectors, theme_terms, config) for model in replicates]
    expanded = expand_lexicon(evidence.counts[np.flatnonzero(kept)], seed_matrix(evidence, theme_terms), config)
    return evidence, labels, expanded


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


def weight_tables(
    documents: list[Document],
    paragraphs: list[Paragraph],
    tokenized: Tokenized,
    vectors: Vectors,
    weights: ThemeWeights,
    config: Config,
    *,
    shown: Iterable[str] = (),
) -> tuple[dict[str, Any], dict[str, str]]:
    """paragraphs.csv and documents.csv as frames (a run and `themes infer` write the same schema), and the
    display form of their terms and of the other `shown` ones (counted in one pass over the paragraphs)."""
    rows_of: dict[str, list[int]] = {d.doc_id: [] for d in documents}
    for i, p in enumerate(paragraphs):
        if p.kept:
            rows_of[p.doc_id].append(i)
    doc_terms = document_tfidf_terms(vectors, list(rows_of.values()), config.label.top_terms)
    terms = {*shown, *(t for terms in doc_terms for t, _ in terms), *evidence_terms(weights.paragraph_evidence)}
    display = surface_forms(paragraphs, tokenized, terms, config.tokenize)
    readable = replace(weights, paragraph_evidence=[readable_evidence(e, display) for e in weights.paragraph_evidence])
    tables = {
        "paragraphs.csv": frames.paragraph_table(documents, paragraphs, tokenized, readable),
        "documents.csv": frames.document_table(documents, paragraphs, tokenized, readable, doc_terms, display),
    }
    return tables, display


def _count_reasons(paragraphs) -> dict[str, int]:
    reasons: dict[str, int] = {}
    for p in paragraphs:
        if not p.kept:
            reasons[p.drop_reason] = reasons.get(p.drop_reason, 0) + 1
    return dict(sorted(reasons.items()))
