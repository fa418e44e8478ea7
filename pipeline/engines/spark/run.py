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
from pipeline.engines.spark import corpus, themes, topics, vocabulary
from pipeline.engines.spark.session import partition_count, spark_session
from pipeline.engines.spark.write import write_tables
from pipeline.errors import ConfigError
from pipeline.lexicon import load_lexicon
from pipeline.stages.tokenize import build_analyzer, seed_terms


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
        topic_model, labels = topics.fit_lda(segmented, vocab, theme_terms, config)
        counts["topics"] = len(labels.theme)
    with stages.stage("label") as counts:
        lex = themes.lexical(vocab, theme_terms)
        weights, background = themes.theme_terms_of(segmented, vocab, lex, config)
        counts["labeled_topics"] = sum(t != "unlabeled" for t in labels.theme)
    with stages.stage("weigh") as counts:
        theme_model = themes.learn(segmented, vocab, lex, weights, background, config)
        tables = themes.weighed_tables(
            segmented, vocab, lex, weights, theme_model, (topic_model.topic_term, labels), lexicon.names, config
        ).persist()
        counts["themes"] = len(lexicon.names)
    with stages.stage("write") as counts:
        tables.count()  # the weigh stage's work happens here, once, for both tables
        reasons = _paragraph_reasons(segmented)
        n_paragraphs = sum(reasons.values())
        fmt = config.spark.output_format
        parquet = fmt == "parquet" or (fmt == "auto" and n_paragraphs >= config.spark.parquet_from)
        config_hash = config.hash()
        folder = artifacts.RunFolder(
            Path(output_dir or config.output_dir), config.experiment, artifacts.make_run_id(config_hash)
        )
        with folder:
            written = write_tables(tables, folder.path, parquet)
            topic_table = frames.topic_table(topic_model, labels, vocab.surface)
            artifacts.write_csv(topic_table, folder.path / "topics.csv")
            (folder.path / "config.toml").write_text(config.to_toml(results_only=True), encoding="utf-8")
            write_manifest(
                folder.path, run_id=folder.run_id, experiment=config.experiment, config_hash=config_hash,
                seed=config.seed, documents=[], stages=stages.records,
                extra={"engine": "spark", "spark_master": config.spark.master, "partitions": partitions,
                       "documents": n_documents, "paragraphs": n_paragraphs},
            )
        counts["files"] = len(written) + 3
    for frame in (tables, segmented, docs):
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
