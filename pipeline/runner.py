"""Runner: orders the stages, times them, and hands their outputs to the run folder."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import artifacts
from pipeline.config import Config
from pipeline.lexicon import load_lexicon
from pipeline.progress import Reporter, SilentReporter
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
    """Times each stage and passes its counts to the manifest and the progress display."""

    def __init__(self, reporter: Reporter):
        self.reporter = reporter
        self.records: list[artifacts.StageRecord] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, Any]]:
        counts: dict[str, Any] = {}
        self.reporter.start(name)
        began = time.perf_counter()
        yield counts
        elapsed = time.perf_counter() - began
        self.records.append(artifacts.StageRecord(name, elapsed, counts))
        self.reporter.finish(name, elapsed, counts)


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
    with stages.stage("tokenize") as counts:
        tokenized = tokenize(paragraphs, config.tokenize)
        counts["tokens"] = sum(map(len, tokenized.tokens))
    kept = [p.kept for p in paragraphs]
    with stages.stage("vectorize") as counts:
        vectors = vectorize(tokenized, kept, config.vectorize)
        counts["vocabulary"] = len(vectors.terms)
    # The lexicon's only way into the model is an explicit choice to seed topics with it.
    theme_terms = seed_terms(lexicon, build_analyzer(config.tokenize))
    with stages.stage("model") as counts:
        anchors = theme_terms if config.model.seeded else {}
        topic_model = fit_topics(vectors, kept, anchors, config.model, seed=config.seed)
        counts["topics"] = config.model.num_topics
    with stages.stage("label") as counts:
        evidence = evidence_counts(tokenized, vectors, theme_terms)
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
        try:
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
            run_dir = folder.commit()
        except BaseException:
            folder.discard()
            raise
        counts["files"] = len(tables) + 2
    summary = {
        "documents": len(documents),
        "paragraphs": len(paragraphs),
        "paragraphs_kept": sum(p.kept for p in paragraphs),
        "paragraphs_dropped": sum(not p.kept for p in paragraphs),
        "vocabulary": len(vectors.terms),
        "topics": config.model.num_topics,
        "labeled_topics": sum(t != "unlabeled" for t in labels.theme),
        "drop_reasons": _count_reasons(paragraphs),
    }
    return RunResult(run_dir=run_dir, run_id=folder.run_id, summary=summary)


def _count_reasons(paragraphs) -> dict[str, int]:
    reasons: dict[str, int] = {}
    for p in paragraphs:
        if not p.kept:
            reasons[p.drop_reason] = reasons.get(p.drop_reason, 0) + 1
    return dict(sorted(reasons.items()))
