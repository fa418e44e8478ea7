"""Apply a finished run to new documents: its cleaning, tokens, vocabulary, topics and theme terms, unchanged.

Nothing is learned from the new documents: the phrases, the Dictionary (and its idf), the LDA topics and
their labels, each theme's weighted terms and its learned word model are the run's own. The one corpus-level cleaning rule
(`repeated_across_documents`) drops the lines the run found shared plus lines shared by `min_documents` of the
new documents themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.store import artifacts
from pipeline.store.manifest import describe_files, describe_inputs, write_manifest
from pipeline.errors import InputError
from pipeline.fitting import NORMALIZED
from pipeline.store.frames import weight_tables
from pipeline.store.read import SavedRun, load_saved_run
from pipeline.stages.clean import clean
from pipeline.stages.evidence import evidence_counts
from pipeline.stages.ingest import ingest_all, input_files
from pipeline.stages.model import infer_doc_topic
from pipeline.stages.segment import segment
from pipeline.stages.tokenize import build_analyzer, seed_terms, tokenize
from pipeline.stages.vectorize import apply_vocabulary
from pipeline.stages.weigh import weigh
from pipeline.types import Document, EvidenceCounts, ThemeTerms, TopicLabels, TopicModel, WeighInputs

INFER_FOLDER = "infer"


@dataclass(frozen=True)
class InferResult:
    out_dir: Path
    documents: int
    paragraphs_kept: int
    paragraphs_dropped: int


def infer(run_dir: Path, paths: list[str], out_dir: Path | None = None) -> InferResult:
    """Weigh the documents at `paths` with the run in `run_dir`; write paragraphs.csv, documents.csv and
    manifest.json into a new folder `<out_dir or RUN_DIR/infer>/<id>/`."""
    saved = load_saved_run(run_dir)
    config = saved.config
    ingest_configs = [config.ingest.model_copy(update={"path": path}) for path in paths]
    files = describe_files([f for c in ingest_configs for f in input_files(c)])
    documents = ingest_all(ingest_configs)
    lines = clean(documents, config.clean, known_boilerplate=saved.boilerplate)
    paragraphs = segment(documents, lines, config.segment)
    tokenized = tokenize(paragraphs, config.tokenize, phraser=saved.phraser)
    vectors = apply_vocabulary(tokenized, saved.dictionary)
    kept = [p.kept for p in paragraphs]
    # Inference starts from a random mixture: seed it from the run's config, not from the saved model's state.
    saved.lda.random_state = np.random.RandomState(config.seed)
    topic_model = TopicModel(
        model=saved.lda,
        topic_term=saved.lda.get_topics(),
        doc_topic=infer_doc_topic(saved.lda, [row if keep else [] for row, keep in zip(vectors.bow, kept)]),
        seed_theme=saved.seed_themes,
    )
    labels = TopicLabels(theme=saved.topic_themes, score=[], top_terms=[], tfidf_terms=[])
    evidence = evidence_counts(
        tokenized, vectors, seed_terms(saved.lexicon, build_analyzer(config.tokenize), vectors.terms)
    )
    if saved.theme_model is not None and saved.theme_model.log_phi.shape[1] != len(evidence.terms):
        raise InputError(f"{saved.path}: models/learned/ does not match the run's vocabulary and lexicon")
    # A run that learned nothing (no seed in its corpus) must not learn from the new documents either.
    label_config = config.label if saved.theme_model else config.label.model_copy(update={"learn_iterations": 0})
    inputs = WeighInputs(
        paragraphs, [d.doc_id for d in documents], evidence, saved_theme_terms(saved, evidence), topic_model, labels,
        saved.lexicon.names,
    )
    weights = weigh(inputs, label_config, display=NORMALIZED, theme_model=saved.theme_model)
    tables, _ = weight_tables(documents, paragraphs, tokenized, vectors, weights, config)
    folder = _write(saved, tables, documents, files, out_dir)
    return InferResult(
        out_dir=folder,
        documents=len(documents),
        paragraphs_kept=sum(kept),
        paragraphs_dropped=len(kept) - sum(kept),
    )


def saved_theme_terms(saved: SavedRun, evidence: EvidenceCounts) -> ThemeTerms:
    """The run's terms x themes weights (idf-scaled seeds and expansion terms) laid out on these evidence terms."""
    themes = saved.lexicon.names
    row = {term: i for i, term in enumerate(evidence.terms)}
    weights = np.zeros((len(evidence.terms), len(themes)))
    is_seed = np.zeros_like(weights, dtype=bool)
    for entry in saved.theme_terms["terms"]:
        i = row.get(entry["term"])
        if i is None:  # cannot happen with the run's own vocabulary and lexicon; a term that is absent counts 0
            continue
        for theme, weight in entry["weights"].items():
            weights[i, themes.index(theme)] = weight
        for theme in entry["seed_of"]:
            is_seed[i, themes.index(theme)] = True
    return ThemeTerms(weights=weights, is_seed=is_seed)


def _write(
    saved: SavedRun, tables: dict[str, Any], documents: list[Document], files: list[dict[str, Any]], out_dir: Path | None
) -> Path:
    parent = Path(out_dir) if out_dir is not None else saved.path / INFER_FOLDER
    config_hash = saved.manifest.get("config_hash", "")
    folder = artifacts.RunFolder(parent.parent, parent.name, artifacts.make_run_id(config_hash))
    try:
        for name, frame in tables.items():
            artifacts.write_csv(frame, folder.path / name)
        write_manifest(
            folder.path,
            run_id=folder.run_id,
            experiment=saved.manifest.get("experiment", ""),
            config_hash=config_hash,
            seed=saved.config.seed,
            inputs=describe_inputs(documents),
            stages=[],
            input_files=files,
            extra={"applied_run": {"run_id": saved.manifest.get("run_id", ""), "path": str(saved.path.resolve())}},
        )
        return folder.commit()
    except BaseException:
        folder.discard()
        raise
