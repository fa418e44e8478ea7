"""Runner: orders the stages, times them, and hands their outputs to the run folder."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import artifacts
from pipeline.checks import check_lexicon_coverage, check_paragraphs, check_vocabulary
from pipeline.config import Config
from pipeline.errors import PipelineWarning
from pipeline.lexicon import load_lexicon
from pipeline.progress import Reporter, SilentReporter, summarize_warnings
from pipeline.report import write_report
from pipeline.stages.clean import clean
from pipeline.stages.ingest import ingest
from pipeline.stages.evidence import evidence_counts, seed_matrix
from pipeline.stages.label import document_tfidf_terms, expand_lexicon, label_topics
from pipeline.stages.model import fit_topics
from pipeline.stages.segment import segment
from pipeline.stages.tokenize import build_analyzer, seed_terms, tokenize
from pipeline.stages.vectorize import vectorize
from pipeline.stages.weigh import weigh


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    run_id: str
    summary: dict[str, Any]


class _Stages:
    """Times each stage, records the PipelineWarnings it raises, and passes both to the manifest and the display."""

    def __init__(self, reporter: Reporter):
        self.reporter = reporter
        self.records: list[artifacts.StageRecord] = []

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
        self.records.append(artifacts.StageRecord(name, elapsed, counts, ours))
        self.reporter.finish(name, elapsed, counts)

    def _sort_warnings(self, caught: list[warnings.WarningMessage]) -> list[PipelineWarning]:
        """Print ours through the reporter; hand anything else (a library's warning) back to Python's filters."""
        ours = [w.message for w in caught if isinstance(w.message, PipelineWarning)]
        for line in summarize_warnings(ours):
            self.reporter.warn(line)
        for w in caught:
            if not isinstance(w.message, PipelineWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
        return ours


def run(config: Config, reporter: Reporter | None = None) -> RunResult:
    """Run every stage on `config` and write a complete run folder; return where it is and a summary."""
    stages = _Stages(reporter or SilentReporter())
    lexicon = load_lexicon(config.lexicon)
    with stages.stage("ingest") as counts:
        documents = ingest(config.ingest)
        counts["documents"] = len(documents)
    with stages.stage("clean") as counts:
        lines = clean(documents, config.clean)
        counts["lines"] = sum(map(len, lines))
        counts["lines_dropped"] = sum(1 for doc in lines for line in doc if line.drop_reason)
    with stages.stage("segment") as counts:
        paragraphs = segment(documents, lines, config.segment)
        counts["paragraphs"] = len(paragraphs)
        counts["paragraphs_kept"] = sum(p.kept for p in paragraphs)
        check_paragraphs(documents, paragraphs)
    with stages.stage("tokenize") as counts:
        tokenized = tokenize(paragraphs, config.tokenize)
        counts["tokens"] = sum(map(len, tokenized.tokens))
    kept = [p.kept for p in paragraphs]
    with stages.stage("vectorize") as counts:
        vectors = vectorize(tokenized, kept, config.vectorize)
        counts["vocabulary"] = len(vectors.terms)
        check_vocabulary(tokenized, kept, vectors, config.vectorize)
    # The lexicon's only way into the model is an explicit choice to seed topics with it.
    theme_terms = seed_terms(lexicon, build_analyzer(config.tokenize))
    with stages.stage("model") as counts:
        anchors = theme_terms if config.model.seeded else {}
        topic_model = fit_topics(vectors, kept, anchors, config.model, seed=config.seed)
        counts["topics"] = len(topic_model.seed_theme)
    with stages.stage("label") as counts:
        evidence = evidence_counts(tokenized, vectors, theme_terms)
        check_lexicon_coverage(theme_terms, evidence.present_terms(kept))
        labels = label_topics(topic_model, vectors, theme_terms, config.label)
        expanded = expand_lexicon(evidence.counts[np.flatnonzero(kept)], seed_matrix(evidence, theme_terms), config.label)
        counts["labeled_topics"] = sum(t != "unlabeled" for t in labels.theme)
        counts["expansion_terms"] = int(((expanded.weights > 0) & ~expanded.is_seed).sum())
    with stages.stage("weigh") as counts:
        doc_ids = [d.doc_id for d in documents]
        weights = weigh(
            paragraphs, doc_ids, evidence.counts, expanded, topic_model, labels, lexicon.names, config.label,
            evidence.terms, evidence.surface,
        )
        counts["themes"] = len(lexicon.names)
    with stages.stage("write") as counts:
        rows_of = {doc_id: [] for doc_id in doc_ids}
        for i, p in enumerate(paragraphs):
            if p.kept:
                rows_of[p.doc_id].append(i)
        doc_terms = document_tfidf_terms(vectors, list(rows_of.values()), config.label.top_terms)
        tables = {
            "paragraphs.csv": artifacts.paragraph_table(documents, paragraphs, tokenized, weights),
            "documents.csv": artifacts.document_table(documents, paragraphs, tokenized, weights, doc_terms),
            "topics.csv": artifacts.topic_table(topic_model, labels, tokenized.surface),
            "lexicon_coverage.csv": artifacts.coverage_table(lexicon.themes, theme_terms, evidence, kept),
            "theme_terms.csv": artifacts.theme_terms_table(lexicon.names, weights.theme_terms or expanded, evidence),
        }
        config_hash = config.hash()
        folder = artifacts.RunFolder(Path(config.output_dir), config.experiment, artifacts.make_run_id(config_hash))
        with folder:
            for name, frame in tables.items():
                artifacts.write_csv(frame, folder.path / name)
            (folder.path / "config.toml").write_text(config.to_toml(), encoding="utf-8")
            artifacts.save_models(folder.path, tokenized, vectors, topic_model)
            artifacts.write_manifest(
                folder.path,
                run_id=folder.run_id,
                experiment=config.experiment,
                config_hash=config_hash,
                seed=config.seed,
                documents=documents,
                stages=stages.records,
            )
            if config.report.enabled:
                write_report(folder.path)
        run_dir = folder.final
        counts["files"] = len(tables) + 2
    summary = {
        "documents": len(documents),
        "paragraphs": len(paragraphs),
        "paragraphs_kept": sum(p.kept for p in paragraphs),
        "paragraphs_dropped": sum(not p.kept for p in paragraphs),
        "vocabulary": len(vectors.terms),
        "topics": len(topic_model.seed_theme),
        "labeled_topics": sum(t != "unlabeled" for t in labels.theme),
        "drop_reasons": _count_reasons(paragraphs),
        **artifacts.warning_summary(stages.records),
    }
    return RunResult(run_dir=run_dir, run_id=folder.run_id, summary=summary)


def _count_reasons(paragraphs) -> dict[str, int]:
    reasons: dict[str, int] = {}
    for p in paragraphs:
        if not p.kept:
            reasons[p.drop_reason] = reasons.get(p.drop_reason, 0) + 1
    return dict(sorted(reasons.items()))
