"""Reading a finished run folder back: its tables, its resolved config and its fitted topic-term distributions.

Everything that works on saved runs (`themes evaluate`, `compare`, `diff`, `infer`, `reproduce`, `runs`) loads them here, so a
run folder is read one way and a bad folder gives one line naming the file and what was expected.
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.store.artifacts import BOILERPLATE_FILE, LEARNED_ARRAYS, LEARNED_DIR, LEXICON_FILE, THEME_TERMS_FILE
from pipeline.errors import InputError
from pipeline.stages.weigh import OTHER
from pipeline.types import Lexicon, ThemeModel

PARAGRAPH_COLUMNS = ("doc_id", "source", "paragraph", "start", "end", "status", "dominant_theme", "text")
DOCUMENT_COLUMNS = ("doc_id", "source")
TOPIC_COLUMNS = ("topic", "theme", "top_terms")
# Columns of paragraphs.csv after `dominant_theme` that are not theme weights.
NON_THEME_COLUMNS = frozenset({"evidence", "text"})
# Read as text whatever they hold, as are all `meta_*` columns.
TEXT_COLUMNS = frozenset(
    {"doc_id", "title", "date", "source", "status", "dominant_theme", "evidence", "text", "theme", "term", "top_terms"}
)


@dataclass(frozen=True)
class RunTables:
    """paragraphs.csv and documents.csv of one run; `labels` are its weight columns (themes, then "other").

    paragraphs.csv is read when first used: it is by far the largest table (47 MB for 1,000 UN speeches) and
    comparisons of whole documents never need it. Its header was checked by `load_run`.
    """

    path: Path
    documents: pd.DataFrame
    labels: list[str]

    @cached_property
    def paragraphs(self) -> pd.DataFrame:
        return read_run_csv(self.path / "paragraphs.csv", PARAGRAPH_COLUMNS, numeric=self.labels)

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def themes(self) -> list[str]:
        return [label for label in self.labels if label != OTHER]


@dataclass(frozen=True)
class TopicTerms:
    """The fitted LDA of a run: topics.csv and the topics x terms probabilities over `terms` (model vocabulary)."""

    topics: pd.DataFrame
    terms: list[str]
    topic_term: np.ndarray


def load_run(run_dir: Path) -> RunTables:
    """paragraphs.csv and documents.csv of a run folder, and its label columns (those after `dominant_theme`)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"{run_dir}: not a run folder (expected outputs/<experiment>/<run-id>/)")
    paragraphs_path, documents_path = run_dir / "paragraphs.csv", run_dir / "documents.csv"
    if not paragraphs_path.exists() and (run_dir / "paragraphs.parquet").is_dir():
        return _load_parquet_run(run_dir)
    header = list(read_run_csv(paragraphs_path, PARAGRAPH_COLUMNS, nrows=0).columns)
    labels = [c for c in header[header.index("dominant_theme") + 1 :] if c not in NON_THEME_COLUMNS]
    if OTHER not in labels:
        raise InputError(f"{paragraphs_path}: no '{OTHER}' weight column after dominant_theme")
    documents_header = read_run_csv(documents_path, DOCUMENT_COLUMNS, nrows=0).columns
    missing = [c for c in labels if c not in documents_header]
    if missing:
        raise InputError(f"{documents_path}: missing theme column(s) {', '.join(missing)} of paragraphs.csv")
    documents = read_run_csv(documents_path, DOCUMENT_COLUMNS, numeric=labels)
    return RunTables(path=run_dir, documents=documents, labels=labels)


def _load_parquet_run(run_dir: Path) -> RunTables:
    """A large Spark run's tables (Parquet folders): documents read whole, paragraphs' columns only."""
    import pyarrow.dataset as ds

    header = ds.dataset(run_dir / "paragraphs.parquet", format="parquet").schema.names
    labels = [c for c in header[header.index("dominant_theme") + 1 :] if c not in NON_THEME_COLUMNS]
    path = run_dir / "documents.parquet"
    try:
        documents = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    for column in documents.columns:
        if column in TEXT_COLUMNS or str(column).startswith("meta_"):
            documents[column] = documents[column].astype(str)
    return RunTables(path=run_dir, documents=_checked(documents, path, DOCUMENT_COLUMNS, labels), labels=labels)


def load_run_config(run_dir: Path) -> dict[str, Any]:
    """The resolved config a run saved (config.toml) as a plain dict; {} when the folder has none."""
    path = Path(run_dir) / "config.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable config ({exc})") from None


def load_topic_terms(run_dir: Path) -> TopicTerms:
    """topics.csv plus the topic-term probabilities of models/lda.gensim over models/dictionary.gensim."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    run_dir = Path(run_dir)
    topics = read_run_csv(run_dir / "topics.csv", TOPIC_COLUMNS)
    models = run_dir / "models"
    for name in ("dictionary.gensim", "lda.gensim"):
        if not (models / name).is_file():
            raise InputError(f"{models / name}: missing (topic matching needs the run's saved models)")
    try:
        dictionary = Dictionary.load(str(models / "dictionary.gensim"))
        topic_term = LdaModel.load(str(models / "lda.gensim")).get_topics()
    except Exception as exc:  # gensim raises pickle, OS and attribute errors alike for a damaged file
        raise InputError(f"{models}: cannot load the saved models ({exc.__class__.__name__}: {exc})") from None
    if topic_term.shape != (len(topics), len(dictionary)):
        raise InputError(
            f"{models}: the model has {topic_term.shape[0]} topics over {topic_term.shape[1]} terms, but topics.csv "
            f"has {len(topics)} rows and the dictionary {len(dictionary)} terms"
        )
    terms = [dictionary[i] for i in range(len(dictionary))]
    return TopicTerms(topics=topics, terms=terms, topic_term=np.asarray(topic_term, dtype=np.float64))


def read_run_csv(
    path: Path,
    required: tuple[str, ...],
    numeric: list[str] | tuple[str, ...] = (),
    nrows: int | None = None,
    usecols: list[str] | None = None,
) -> pd.DataFrame:
    """A table of a run folder, or a one-line InputError naming the file and what is missing.

    Ids, names, dates and metadata are read as text (a year "1995" or a title "2024" stays a string); other
    columns as pandas infers them, and each of `numeric` must come out as numbers.
    """
    try:
        frame = pd.read_csv(path, **_csv_options(path), nrows=nrows, usecols=usecols)
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' ParserError is a ValueError
        raise _unreadable(path, exc) from None
    return _checked(frame, path, required, numeric)


def read_run_csv_parts(
    path: Path, required: tuple[str, ...], numeric: list[str] | tuple[str, ...] = (), part_rows: int = 10_000
) -> Iterator[pd.DataFrame]:
    """`read_run_csv` a part of `part_rows` rows at a time (the row index runs on across parts), for tables too
    large to hold at once: a whole corpus's paragraphs.csv."""
    parts = pd.read_csv(path, **_csv_options(path), chunksize=part_rows)
    while True:
        try:
            part = next(parts)
        except StopIteration:
            return
        except (ValueError, UnicodeDecodeError) as exc:
            raise _unreadable(path, exc) from None
        yield _checked(part, path, required, numeric)


def _csv_options(path: Path) -> dict[str, Any]:
    """How every run table is read: text columns as text, empty cells as "" (not NaN)."""
    if not path.is_file():
        raise InputError(f"{path}: missing (is {path.parent} a finished run folder?)")
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8").columns
    except (ValueError, UnicodeDecodeError) as exc:
        raise _unreadable(path, exc) from None
    text = {c: str for c in header if c in TEXT_COLUMNS or str(c).startswith("meta_")}
    return {"dtype": text, "keep_default_na": False, "encoding": "utf-8"}


def _unreadable(path: Path, exc: Exception) -> InputError:
    return InputError(f"{path}: cannot be read as a run table ({str(exc).splitlines()[0]})")


def _checked(
    frame: pd.DataFrame, path: Path, required: tuple[str, ...], numeric: list[str] | tuple[str, ...]
) -> pd.DataFrame:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    not_numeric = [c for c in numeric if not pd.api.types.is_numeric_dtype(frame[c])]
    if not_numeric:
        raise InputError(f"{path}: theme column(s) {', '.join(not_numeric)} are not numbers")
    return frame


@dataclass(frozen=True)
class SavedRun:
    """A finished run's fitted state, enough to weigh new documents the way the run weighed its own."""

    path: Path
    manifest: dict[str, Any]
    config: Any  # pipeline.config.Config
    lexicon: Lexicon
    dictionary: Any  # gensim Dictionary
    lda: Any  # gensim LdaModel
    phraser: Any  # gensim FrozenPhrases or None
    topic_themes: list[str]  # per topic, its label in topics.csv
    seed_themes: list[str]  # per topic, the theme that anchored it or ""
    theme_terms: dict[str, Any]  # models/theme_terms.json
    theme_model: ThemeModel | None  # models/learned/, when the run learned word models
    boilerplate: frozenset[str]


def load_saved_run(run_dir: Path) -> SavedRun:
    """Read a run folder back for `themes infer` (config, models, topic labels, lexicon); InputError names what
    is missing or damaged."""
    from pipeline.config_files import load_config

    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    models = run_dir / "models"
    needed = [run_dir / "config.toml", run_dir / LEXICON_FILE, models / "dictionary.gensim", models / "lda.gensim",
              models / THEME_TERMS_FILE, models / BOILERPLATE_FILE]
    missing = [str(p.relative_to(run_dir)) for p in needed if not p.is_file()]
    if missing:
        raise InputError(f"{run_dir}: missing {', '.join(missing)} (made by an older version? run it again)")
    topics = read_run_csv(run_dir / "topics.csv", ("topic", "theme", "seed_theme"))
    try:
        lexicon_table = tomllib.loads((run_dir / LEXICON_FILE).read_text(encoding="utf-8"))["themes"]
        dictionary, lda, phraser, theme_model = _load_models(models)
        theme_terms = json.loads((models / THEME_TERMS_FILE).read_text(encoding="utf-8"))
    except Exception as exc:  # gensim, numpy, toml and json raise their own errors alike for a damaged file
        raise InputError(f"{run_dir}: cannot load the saved models ({exc.__class__.__name__}: {exc})") from None
    return SavedRun(
        path=run_dir,
        manifest=manifest,
        config=load_config(run_dir / "config.toml"),
        lexicon=Lexicon(
            themes={name: list(entry["seeds"]) for name, entry in lexicon_table.items()},
            descriptions={name: entry.get("description", "") for name, entry in lexicon_table.items()},
        ),
        dictionary=dictionary,
        lda=lda,
        phraser=phraser,
        topic_themes=topics["theme"].tolist(),
        seed_themes=topics["seed_theme"].tolist(),
        theme_terms=theme_terms,
        theme_model=theme_model,
        boilerplate=frozenset((models / BOILERPLATE_FILE).read_text(encoding="utf-8").splitlines()),
    )


def _load_models(models: Path) -> tuple[Any, Any, Any, ThemeModel | None]:
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel
    from gensim.models.phrases import FrozenPhrases

    # gensim warns that a frozen phrase model has no corpus word count; scoring is not used on loading.
    logging.getLogger("gensim.models.phrases").setLevel(logging.ERROR)
    phrases, learned = models / "phrases.gensim", models / LEARNED_DIR
    return (
        Dictionary.load(str(models / "dictionary.gensim")),
        LdaModel.load(str(models / "lda.gensim")),
        FrozenPhrases.load(str(phrases)) if phrases.is_file() else None,
        ThemeModel(**{n: np.load(learned / f"{n}.npy") for n in LEARNED_ARRAYS if (learned / f"{n}.npy").exists()})
        if learned.is_dir()
        else None,
    )


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """A run folder's manifest.json; InputError when it is missing or not JSON."""
    path = Path(run_dir) / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: missing (is {run_dir} a finished run folder, outputs/<experiment>/<run-id>/?)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable manifest ({exc})") from None
