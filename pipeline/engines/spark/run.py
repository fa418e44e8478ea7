"""engine = "spark": the run's stages on a Spark session, in the runner's order and with its stage records.

The driver holds the config, the lexicon and vocabulary-sized tables (phrases, the Dictionary, theme terms,
the learned word models, the topics); documents, paragraphs and tokens stay on the executors.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from pipeline.store import artifacts, frames
from pipeline.store.manifest import warning_summary, write_manifest
from pipeline.config import Config
from pipeline.engines.spark import audit, corpus, spellings, themes, topics, vocabulary
from pipeline.engines.spark.session import partition_count, spark_session
from pipeline.engines.spark.write import paragraph_digest, write_tables
from pipeline.errors import ConfigError
from pipeline.lexicon import load_lexicon
from pipeline.report import write_report
from pipeline.stages.audit import audit_from_counts, shares_of_shapes, warn_about_coverage
from pipeline.stages.learn import learned_term_weights
from pipeline.stages.tokenize import build_analyzer, seed_spellings, seed_terms, usable_seeds
from pipeline.stages.weigh import with_learned_words
from pipeline.store.audit import audit_summary, uncovered_topics_table, write_summary


def check_supported(config: Config) -> None:
    """Settings whose corpus-wide step has no Spark aggregation yet: refused before any work."""
    if config.label.method != "lexicon":
        raise ConfigError(f'label.method = "{config.label.method}" is not available with engine = "spark"; use "lexicon" (the default)')
    if config.label.expand_iterations:
        raise ConfigError('label.expand_iterations > 0 is not available with engine = "spark"; use 0 (the default)')
    if config.model.seeds > 1:
        raise ConfigError('model.seeds > 1 is not available with engine = "spark"; use 1 (the default)')


def run_spark(config: Config, stages: Any, output_dir: Path | None) -> tuple[Path, str, dict[str, Any]]:
    """Every stage on Spark; the run folder as the local engine writes it (tables as Parquet when large)."""
    check_supported(config)
    lexicon = load_lexicon(config.lexicon)
    spark = spark_session(config)
    partitions = partition_count(spark, config)
    with stages.stage("ingest") as counts:
        docs = corpus.read_documents(spark, config, partitions).persist()
        n_documents, given = corpus.check_documents(docs)
        for warning in given:
            warnings.warn(warning, stacklevel=1)
        counts["documents"] = n_documents
        counts["partitions"] = partitions
    with stages.stage("clean") as counts:
        known = corpus.shared_lines(docs, config)
        counts["shared_lines"] = len(known)
    with stages.stage("segment") as counts:
        segmented = corpus.segmented(docs, config, known, partitions).persist()
        counts["documents"] = segmented.count()
    with stages.stage("tokenize") as counts:
        vocab = vocabulary.count_words(segmented, config)
        counts["words"] = len(vocab.words)
        counts["phrases"] = len(vocab.phrases)
    with stages.stage("vectorize") as counts:
        vocab = vocabulary.count_documents(segmented, vocab, config)
        counts["vocabulary"] = len(vocab.dictionary)
        counts["paragraphs_kept"] = vocab.dictionary.num_docs
    # Chinese seeds count only where the vocabulary has Chinese words, as in the local runner.
    theme_terms = seed_terms(lexicon, build_analyzer(config.tokenize), list(vocab.dictionary.token2id))
    with stages.stage("model") as counts:
        topic_model, labels, topic_mass = topics.fit_lda(segmented, vocab, theme_terms, config)
        counts["topics"] = len(labels.theme)
    with stages.stage("label") as counts:
        lex = themes.lexical(vocab, theme_terms)
        weights, background, learning_rows = themes.theme_terms_of(segmented, vocab, lex, config)
        counts["labeled_topics"] = sum(t != "unlabeled" for t in labels.theme)
    with stages.stage("weigh") as counts:
        theme_model = themes.learn(segmented, vocab, lex, weights, background, learning_rows, config)
        tables = themes.weighed_tables(
            segmented, vocab, lex, weights, theme_model, (topic_model.topic_term, labels), lexicon.names, config
        ).persist()
        tables.count()  # the weigh stage's work happens here, once, for both tables
        counts["themes"] = len(lexicon.names)
    used_terms = weights
    if theme_model is not None:  # the learned words join each theme's terms, as `weigh` adds them
        used_terms, _ = with_learned_words(weights, learned_term_weights(theme_model), config.label)
    with stages.stage("audit") as counts:
        found, term_paragraphs = audit.audit_counts(segmented, vocab, lex, theme_terms, topic_mass)
        shape_of = audit.evidence_term_shapes(segmented, vocab, used_terms, found.term_totals, lex.terms)
        shapes = shares_of_shapes(used_terms, found.term_totals, lex.terms, list(theme_terms), shape_of)
        lexicon_audit = audit_from_counts(
            found, topic_model.topic_term, labels, len(vocab.dictionary), lex.terms, used_terms, theme_terms, shapes
        )
        warn_about_coverage(lexicon_audit)
        counts["uncovered_topics"] = sum(not t.covered for t in lexicon_audit.topics)
        counts["seed_token_share"] = f"{lexicon_audit.seed_token_share:.3f}"
    with stages.stage("write") as counts:
        reasons = _paragraph_reasons(segmented)
        n_paragraphs = sum(reasons.values())
        fmt = config.spark.output_format
        parquet = fmt == "parquet" or (fmt == "auto" and n_paragraphs >= config.spark.parquet_from)
        shown = [t for terms in (*labels.top_terms, *labels.tfidf_terms) for t, _ in terms]
        shown += frames.theme_terms_shown(used_terms, lex.terms)
        display = spellings.readable_forms(segmented, vocab, {*shown, *spellings.named_terms(tables)}, config)
        readable = spellings.readable_tables(tables, display).persist()
        readable.count()  # materialized before the weighed tables it is made from are let go
        tables.unpersist()
        present = {t for t, n in zip(lex.terms, found.term_totals) if n > 0}
        small_tables = {
            "topics.csv": frames.topic_table(topic_model, labels, display),
            "lexicon_coverage.csv": frames.coverage_table(
                usable_seeds(lexicon, list(vocab.dictionary.token2id)), theme_terms, present,
                seed_spellings(lexicon, build_analyzer(config.tokenize)),
            ),
            "uncovered_topics.csv": uncovered_topics_table(lexicon_audit, display),
            "theme_terms.csv": frames.theme_terms_table(lexicon.names, used_terms, lex.terms, term_paragraphs, display),
        }
        summary_audit = audit_summary(lexicon_audit, display)
        config_hash = config.hash()
        folder = artifacts.RunFolder(
            Path(output_dir or config.output_dir), config.experiment, artifacts.make_run_id(config_hash)
        )
        with folder:
            written = write_tables(readable, folder.path, parquet)
            for name, frame in small_tables.items():
                artifacts.write_csv(frame, folder.path / name)
            write_summary(folder.path, summary_audit)
            (folder.path / "config.toml").write_text(config.to_toml(results_only=True), encoding="utf-8")
            artifacts.save_models(folder.path, vocab.dictionary, vocab.phraser, topic_model)
            artifacts.save_for_infer(folder.path, lexicon, lex.terms, weights, theme_model, corpus.boilerplate(segmented))
            write_manifest(
                folder.path, run_id=folder.run_id, experiment=config.experiment, config_hash=config_hash,
                seed=config.seed, inputs=[], stages=stages.records,
                extra={"engine": "spark", "spark_master": config.spark.master, "partitions": partitions,
                       "documents": n_documents, "paragraphs": n_paragraphs},
            )
            if config.report.enabled:
                # A CSV run's report reads paragraphs.csv a part at a time, as a local run's does.
                digest = paragraph_digest(readable, lexicon.names, config.report.paragraphs_per_theme) if parquet else None
                write_report(folder.path, digest=digest)
        counts["files"] = len(written) + len(small_tables) + 4
    for frame in (readable, segmented, docs):
        frame.unpersist()
    summary = {
        "documents": n_documents,
        "paragraphs": n_paragraphs,
        "paragraphs_kept": reasons.get("", 0),
        "paragraphs_dropped": n_paragraphs - reasons.get("", 0),
        "vocabulary": len(vocab.dictionary),
        "topics": len(labels.theme),
        "labeled_topics": sum(t != "unlabeled" for t in labels.theme),
        "drop_reasons": {r: n for r, n in sorted(reasons.items()) if r},
        "seeds": 1,
        "theme_stability": {},
        "lexicon_audit": summary_audit,
        **warning_summary(stages.records),
        "reused_stages": [],
        "cache": "",  # Spark keeps its data for the run only; the stage cache is the local engine's
        "cache_problem": "",
    }
    return folder.final, folder.run_id, summary


def _paragraph_reasons(segmented: Any) -> dict[str, int]:
    """Paragraphs per drop reason ("" = kept), counted on the executors."""
    import pickle

    import pandas as pd

    def reasons(frames):
        for frame in frames:
            found = [p.drop_reason for blob in frame["paragraphs"] for p in pickle.loads(blob)]
            yield pd.DataFrame({"reason": found}, dtype=object)

    counted = segmented.select("paragraphs").mapInPandas(reasons, "reason string").groupBy("reason").count()
    return {row[0]: int(row[1]) for row in counted.collect()}
