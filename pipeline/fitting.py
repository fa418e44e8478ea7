"""Fit: the stages after vectorize (model, label, weigh, the weight tables, audit, stability), in the order that
lets the topic model be fitted beside the lexicon's weights."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.config import Config, LabelConfig
from pipeline.stage_runner import Stages
from pipeline.stages.audit import audit_corpus, audit_lexicon, warn_about_coverage
from pipeline.stages.checks import check_lexicon_coverage
from pipeline.stages.chunks import resolve_workers
from pipeline.stages.evidence import evidence_counts, seed_matrix
from pipeline.stages.label import expand_lexicon, label_topics
from pipeline.stages.model import fit_replicates, replicate_seeds
from pipeline.stages.stability import align_topics, combine_replicates, theme_stability
from pipeline.stages.weigh import weigh
from pipeline.store import frames
from pipeline.types import (
    EvidenceCounts, LexiconAudit, ThemeTerms, ThemeWeights, TopicLabels, TopicModel, Tokenized, Vectors, WeighInputs,
)

if TYPE_CHECKING:
    from pipeline.runner import Prepared

# Evidence strings are built with the terms as the model knows them and made readable when written, once the
# terms shown are known (their display forms are counted for those terms only).
NORMALIZED: dict[str, str] = {}


@dataclass(frozen=True)
class Fitted:
    """What the stages after vectorize found: the topic models, their labels, the theme weights and the audit, and
    paragraphs.csv and documents.csv with the readable form of each term they show."""

    replicates: list[TopicModel]  # one per model seed; the first is the config seed's (topics.csv, models/)
    replicate_labels: list[TopicLabels]
    evidence: EvidenceCounts
    expanded: ThemeTerms
    weights: ThemeWeights
    audit: LexiconAudit
    stability_tables: dict[str, Any]
    stability_scores: dict[str, float]
    weight_tables: dict[str, Any]  # those not yet written (`fit`'s `write_tables`)
    display: dict[str, str]

    @property
    def topic_model(self) -> TopicModel:
        return self.replicates[0]

    @property
    def labels(self) -> TopicLabels:
        return self.replicate_labels[0]


def fit(
    config: Config,
    prepared: Prepared,
    stages: Stages,
    n_jobs: int,
    write_tables: Callable[[dict[str, Any]], None] | None = None,
) -> Fitted:
    """The model, label, weigh, audit and (with several model seeds) stability stages, and the weight tables.

    The default lexicon method weighs without the topic model: one model is then fitted in a second process (when
    `workers` gives clean and tokenize more than one) while this one labels, weighs, builds the weight tables,
    reads the audit's corpus side and hands the tables to `write_tables` (stage "write_tables") before it waits
    for the model. Nothing computed depends on where, so the outputs are the same bytes either way."""
    lexicon, theme_terms, kept, vectors = prepared.lexicon, prepared.theme_terms, prepared.kept, prepared.vectors
    topics_weigh = config.label.method != "lexicon" or config.model.seeds > 1
    # The lexicon's only way into the model is an explicit choice to seed topics with it.
    anchors = theme_terms if config.model.seeded else {}
    beside = not topics_weigh and _two_processes(config, prepared)
    fitted_models = stages.started(
        "model",
        lambda: fit_replicates(
            vectors, kept, anchors, config.model, seed=config.seed, n_jobs=n_jobs,
            progress=None if beside else stages.progress("model"),
        ),
        background=beside,
        after=["vectorize"],
        parts=[config.model, config.seed, list(anchors.items())],
    )
    replicates, replicate_labels = (
        _topics(config, stages, fitted_models, vectors, theme_terms, beside) if topics_weigh else ([], [])
    )
    with stages.stage("label") as counts:
        evidence, expanded = stages.cached(
            "label",
            lambda: _lexicon_evidence(prepared.tokenized, vectors, theme_terms, kept, config.label),
            after=["vectorize"],
            parts=[config.label, list(theme_terms.items())],
        )
        check_lexicon_coverage(theme_terms, evidence.present_terms(kept))
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
                for model, model_labels in (zip(replicates, replicate_labels) if topics_weigh else [(None, None)])
            ]),
            after=["label", "model"] if topics_weigh else ["label"],
        )
        counts["themes"] = len(lexicon.names)
    with stages.stage("tables") as counts:
        # The readable forms of the terms the topics show are added once the topics are known: a term's form does
        # not depend on which other terms are looked up with it.
        weight_tables, display = frames.weight_tables(
            prepared.documents, prepared.paragraphs, prepared.tokenized, vectors, weights, config,
            shown=frames.theme_terms_shown(weights.theme_terms or expanded, evidence.terms),
        )
        counts["terms"] = len(display)
    with stages.stage("audit_corpus"):
        corpus_audit = audit_corpus(
            vectors, evidence, weights.theme_terms or expanded, theme_terms, prepared.paragraphs, kept,
            prepared.tokenized, config.tokenize,
        )
    if write_tables is not None:
        with stages.stage("write_tables") as counts:
            write_tables(weight_tables)
            counts["files"] = len(weight_tables)
            weight_tables = {}
    if not topics_weigh:
        replicates, replicate_labels = _topics(config, stages, fitted_models, vectors, theme_terms, beside)
    with stages.stage("audit") as counts:
        audit = audit_lexicon(
            replicates[0], replicate_labels[0], vectors, evidence, weights.theme_terms or expanded, theme_terms,
            corpus_audit,
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
        replicates, replicate_labels, evidence, expanded, weights, audit, stability_tables, stability_scores,
        weight_tables, display,
    )


def _two_processes(config: Config, prepared: Prepared) -> bool:
    """Whether to fit the model beside the other stages: when clean and tokenize would use more than one core."""
    text_chars = sum(len(p.text) for p in prepared.paragraphs)
    return config.model.seeds == 1 and resolve_workers(config.workers, text_chars) > 1


def _topics(
    config: Config, stages: Stages, fitted_models: Callable[[], list[TopicModel]], vectors: Vectors,
    theme_terms: dict[str, list[str]], beside: bool,
) -> tuple[list[TopicModel], list[TopicLabels]]:
    """The model stage's end: the fitted models and a theme for each topic. Fitted beside, the stage's seconds are
    those spent waiting for it."""
    with stages.stage("model") as counts:
        replicates = fitted_models()
        if beside:
            counts["fitted_beside"] = True
        labels = [label_topics(model, vectors, theme_terms, config.label) for model in replicates]
        counts["topics"] = len(replicates[0].seed_theme)
        counts["seeds"] = len(replicates)
        if config.model.engine == "tomotopy":
            counts["sweeps_until_converged" if replicates[0].converged else "sweeps"] = replicates[0].sweeps
            counts["paragraphs_sampled"] = replicates[0].sampled
        counts["labeled_topics"] = sum(t != "unlabeled" for t in labels[0].theme)
    return replicates, labels


def _lexicon_evidence(
    tokenized: Tokenized,
    vectors: Vectors,
    theme_terms: dict[str, list[str]],
    kept: list[bool],
    config: LabelConfig,
) -> tuple[EvidenceCounts, ThemeTerms]:
    """The label stage's lexicon side: seed evidence per paragraph and each theme's terms (seeds and expansion)."""
    evidence = evidence_counts(tokenized, vectors, theme_terms)
    expanded = expand_lexicon(evidence.counts[np.flatnonzero(kept)], seed_matrix(evidence, theme_terms), config)
    return evidence, expanded
