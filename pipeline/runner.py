"""Runner: orders the stages, times them, and hands their outputs to the run folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.store import artifacts, frames
from pipeline.store.manifest import describe_files, warning_summary, write_manifest
from pipeline.store.audit import audit_summary, uncovered_topics_table, write_summary
from pipeline.store.cache import StageCache, written_folders
from pipeline.stage_runner import Stages
from pipeline.stages.checks import check_lexicon_coverage, check_paragraphs, check_vocabulary
from pipeline.config import Config, LabelConfig
from pipeline.lexicon import load_lexicon
from pipeline.progress import Reporter, SilentReporter
from pipeline.report import write_report
from pipeline.stages.audit import audit_lexicon, warn_about_coverage
from pipeline.stages.clean import clean, shared_boilerplate
from pipeline.stages.ingest import ingest, input_files
from pipeline.stages.evidence import evidence_counts, seed_matrix
from pipeline.stages.label import expand_lexicon, label_topics
from pipeline.stages.model import fit_replicates, replicate_seeds
from pipeline.stages.segment import segment
from pipeline.stages.stability import align_topics, combine_replicates, theme_stability
from pipeline.stages.tokenize import build_analyzer, seed_spellings, seed_terms, tokenize, usable_seeds
from pipeline.stages.vectorize import filters_for_size, vectorize
from pipeline.stages.weigh import weigh
from pipeline.types import (
    Document, EvidenceCounts, Lexicon, LexiconAudit, Paragraph, ThemeTerms, ThemeWeights, TopicLabels, TopicModel,
    Tokenized, Vectors, WeighInputs,
)

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
    fitted = fit(config, prepared, stages, n_jobs)
    with stages.stage("write") as counts:
        folder, lexicon_audit, n_files = _write(config, prepared, fitted, stages, Path(output_dir or config.output_dir))
        counts["files"] = n_files
    summary = {
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
        **warning_summary(stages.records),
        "reused_stages": stages.reused,
        "cache": str(cache.directory) if cache.directory else "",
        "cache_problem": cache.write_problem,
    }
    return RunResult(run_dir=folder.final, run_id=folder.run_id, summary=summary)


@dataclass(frozen=True)
class Fitted:
    """What the stages after vectorize found: the topic models, their labels, the theme weights and the audit."""

    replicates: list[TopicModel]  # one per model seed; the first is the config seed's (topics.csv, models/)
    replicate_labels: list[TopicLabels]
    evidence: EvidenceCounts
    expanded: ThemeTerms
    weights: ThemeWeights
    audit: LexiconAudit
    stability_tables: dict[str, Any]
    stability_scores: dict[str, float]

    @property
    def topic_model(self) -> TopicModel:
        return self.replicates[0]

    @property
    def labels(self) -> TopicLabels:
        return self.replicate_labels[0]


def fit(config: Config, prepared: Prepared, stages: Stages, n_jobs: int) -> Fitted:
    """The model, label, weigh, audit and (with several model seeds) stability stages."""
    lexicon, theme_terms, kept, vectors = prepared.lexicon, prepared.theme_terms, prepared.kept, prepared.vectors
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
        counts["topics"] = len(replicates[0].seed_theme)
        counts["seeds"] = len(replicates)
        if config.model.engine == "tomotopy":
            counts["sweeps_until_converged" if replicates[0].converged else "sweeps"] = replicates[0].sweeps
    with stages.stage("label") as counts:
        evidence, replicate_labels, expanded = stages.cached(
            "label",
            lambda: _label(prepared.tokenized, vectors, replicates, theme_terms, kept, config.label),
            after=["model"],
            parts=[config.label, list(theme_terms.items())],
        )
        check_lexicon_coverage(theme_terms, evidence.present_terms(kept))
        counts["labeled_topics"] = sum(t != "unlabeled" for t in replicate_labels[0].theme)
        counts["expansion_terms"] = int(((expanded.weights > 0) & ~expanded.is_seed).sum())
    with stages.stage("weigh") as counts:
        doc_ids = [d.doc_id for d in prepared.documents]
        weights = stages.cached(
            "weigh",
            lambda: combine_replicates([
                weigh(
                    WeighInputs(prepared.paragraphs, doc_ids, evidence, expanded, model, model_labels, lexicon.names),
                    config.label,
                    display=NORMALIZED,
                )
                for model, model_labels in zip(replicates, replicate_labels)
            ]),
            after=["label"],
        )
        counts["themes"] = len(lexicon.names)
    with stages.stage("audit") as counts:
        audit = audit_lexicon(
            replicates[0], replicate_labels[0], vectors, evidence, weights.theme_terms or expanded, theme_terms,
            prepared.paragraphs, kept,
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
                "topic_stability.csv": frames.topic_stability_table(alignment, replicate_labels[0]),
                "document_seeds.csv": frames.document_seeds_table(doc_ids, alignment.seeds, weights),
            }
            stability_scores = dict(zip(stability.themes, stability.stability.tolist()))
            counts["themes_without_topic"] = int(np.isnan(stability.stability).sum())
    return Fitted(
        replicates, replicate_labels, evidence, expanded, weights, audit, stability_tables, stability_scores
    )


def _write(
    config: Config, prepared: Prepared, fitted: Fitted, stages: Stages, output_dir: Path
) -> tuple[artifacts.RunFolder, dict[str, Any], int]:
    """The run folder, assembled under a temporary name and renamed when complete; the audit's summary; how many
    files it holds at the top (the tables, summary.json, config.toml, lexicon.toml, manifest.json)."""
    lexicon, vectors, evidence, labels = prepared.lexicon, prepared.vectors, fitted.evidence, fitted.labels
    used_terms = fitted.weights.theme_terms or fitted.expanded
    shown = [t for terms in (*labels.top_terms, *labels.tfidf_terms) for t, _ in terms]
    shown += frames.theme_terms_shown(used_terms, evidence.terms)
    shown += [t for topic in fitted.audit.topics for t, _ in topic.top_terms]
    weighed, display = frames.weight_tables(
        prepared.documents, prepared.paragraphs, prepared.tokenized, vectors, fitted.weights, config, shown=shown
    )
    spellings = seed_spellings(lexicon, build_analyzer(config.tokenize))
    tables = {
        **weighed,
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
    config_hash = config.hash()
    folder = artifacts.RunFolder(output_dir, config.experiment, artifacts.make_run_id(config_hash))
    with folder:
        for name, frame in tables.items():
            artifacts.write_csv(frame, folder.path / name)
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
            documents=prepared.documents,
            stages=stages.records,
            input_files=prepared.files,
        )
        if config.report.enabled:
            write_report(folder.path)
    return folder, lexicon_audit, len(tables) + 4


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


def _count_reasons(paragraphs) -> dict[str, int]:
    reasons: dict[str, int] = {}
    for p in paragraphs:
        if not p.kept:
            reasons[p.drop_reason] = reasons.get(p.drop_reason, 0) + 1
    return dict(sorted(reasons.items()))
