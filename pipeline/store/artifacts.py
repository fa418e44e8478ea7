"""The run folder: writing its files (tables, the fitted models, config.toml, manifest.json) safely.

A run is written into a hidden temporary folder beside its final place and renamed when complete, so an
interrupted run never leaves a folder that looks finished, and earlier runs are never touched. A temporary
folder left by a killed run (SIGKILL, power loss) is removed by the next run in the same experiment.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd
import tomli_w

from pipeline.errors import PipelineError
from pipeline.store import csv_table
from pipeline.types import Lexicon, ThemeModel, ThemeTerms, TopicModel

FLOAT_FORMAT = "%.8f"
LEXICON_FILE = "lexicon.toml"
THEME_TERMS_FILE = "theme_terms.json"
BOILERPLATE_FILE = "boilerplate.txt"
LEARNED_DIR = "learned"
LEARNED_ARRAYS = ("log_phi", "log_prior", "log_background", "log_complement")
KEPT = "kept"


def make_run_id(config_hash: str, now: datetime | None = None) -> str:
    """Sortable and stable: UTC time to the second, then the first 8 hex digits of the config hash."""
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%d-%H%M%S}-{config_hash[:8]}"


class RunFolder:
    """Writes into `<experiment dir>/.tmp-<run-id>-<pid>@<host>/`, renamed to `<experiment dir>/<run-id>/` when
    the `with` block ends without an error and removed when it ends with one (an OSError becomes a PipelineError)."""

    def __init__(self, output_dir: Path, experiment: str, run_id: str):
        self.experiment_dir = output_dir / experiment
        try:
            self.experiment_dir.mkdir(parents=True, exist_ok=True)
            _remove_abandoned(self.experiment_dir)
            self.run_id = self._free_id(run_id)
            self.final = self.experiment_dir / self.run_id
            self.path = self.experiment_dir / f".tmp-{self.run_id}-{os.getpid()}@{socket.gethostname()}"
            self.path.mkdir()
        except OSError as exc:
            raise PipelineError(f"output_dir: cannot create a run folder in {self.experiment_dir} ({exc})") from None

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, traceback: Any) -> None:
        if exc is None:
            try:
                self.commit()
                return
            except (OSError, PipelineError) as commit_error:
                exc = commit_error
        self.discard()
        if isinstance(exc, PipelineError):
            raise exc
        if isinstance(exc, OSError):
            raise PipelineError(f"{self.final}: writing the run failed, nothing was kept ({exc})") from exc

    def _free_id(self, run_id: str) -> str:
        """The run id, or id-2, id-3 ...: not a finished run's, nor one another run is still writing (same config
        started in the same second: its temporary folder names the id)."""
        candidate, n = run_id, 1
        while (self.experiment_dir / candidate).exists() or any(self.experiment_dir.glob(f".tmp-{candidate}-*@*")):
            n += 1
            candidate = f"{run_id}-{n}"
        return candidate

    def commit(self) -> Path:
        try:
            os.replace(self.path, self.final)
        except OSError as exc:
            if not self.final.is_dir():
                raise
            # Two runs chose the id at the same instant: the other one finished first and is kept whole.
            raise PipelineError(
                f"{self.final}: another run with the same id finished first (started at the same second with the "
                "same config); this one was not kept, run it again"
            ) from exc
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _remove_abandoned(experiment_dir: Path) -> None:
    """Delete temporary folders of runs from this machine whose process is gone (killed before finishing)."""
    if os.name != "posix":  # os.kill(pid, 0) only probes on POSIX; elsewhere it would stop the process
        return
    host = socket.gethostname()
    for folder in experiment_dir.glob(".tmp-*"):
        owner, _, folder_host = folder.name.rpartition("@")
        pid = owner.rpartition("-")[2]
        if folder_host != host or not pid.isdigit() or _process_exists(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def write_csv(frame: pd.DataFrame, path: Path | TextIO, float_format: str = FLOAT_FORMAT) -> None:
    csv_table.write_csv(frame, path, float_format)


def text_column(values: Iterable[str]) -> pd.Series:
    """A column of strings that refers to them: pandas' string dtype would copy a whole corpus's text (into Arrow
    buffers when pyarrow is installed) for a table that is only written out."""
    return pd.Series(list(values), dtype=object)


def write_files(folder: Path, files: dict[str, pd.DataFrame | str]) -> list[Path]:
    """CSVs (frames) and text files (str) into `folder`, each replaced whole (see `write_text_atomic`), so an
    interrupted write leaves the previous file in place; an OSError becomes a one-line PipelineError."""
    written = []
    try:
        for name, content in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, pd.DataFrame):
                _replace_atomically(path, lambda temporary, frame=content: write_csv(frame, temporary))
            else:
                write_text_atomic(path, content)
            written.append(path)
    except OSError as exc:
        raise PipelineError(f"{folder}: cannot write {exc.filename or 'the files'} ({exc.strerror or exc})") from None
    return written


def write_sweep(
    folder: Path, *, table: pd.DataFrame, recommendation: dict[str, Any], text: str, chart: str | None, config_toml: str
) -> None:
    """A sweep folder: sweep.csv, recommendation.json/.txt, sweep.svg (when there is a chart) and config.toml."""
    write_csv(table, folder / "sweep.csv")
    (folder / "recommendation.json").write_text(json.dumps(recommendation, indent=2) + "\n", encoding="utf-8")
    texts = {"recommendation.txt": text, "sweep.svg": chart, "config.toml": config_toml}
    for name, content in texts.items():
        if content is not None:
            (folder / name).write_text(content, encoding="utf-8", newline="\n")


def save_models(folder: Path, dictionary: Any, phraser: Any, topic_model: TopicModel) -> None:
    """models/: the run's gensim Dictionary, its phraser (when phrases are on) and the topics as a gensim LdaModel."""
    models = folder / "models"
    models.mkdir()
    lda = topic_model.model
    # Equal models must give equal bytes, so `themes reproduce` can compare them. gensim pickles a log of
    # events with times and paths into every saved object: drop it. The model's vocabulary is the run's
    # Dictionary (one object in a fresh run, two equal ones when a stage came from the cache): make it one
    # object again, since saving leaves bookkeeping attributes on it that the model's pickle then includes.
    lda.id2word = dictionary
    for obj in (dictionary, phraser, lda, lda.state):
        if obj is not None:
            obj.lifecycle_events = None
    dictionary.save(str(models / "dictionary.gensim"))
    # An empty `ignore` makes gensim use its fixed list instead of a set, whose order varies between processes.
    lda.save(str(models / "lda.gensim"), ignore=())
    if phraser is not None:
        phraser.save(str(models / "phrases.gensim"))


def save_for_infer(
    folder: Path,
    lexicon: Lexicon,
    evidence_terms: list[str],
    theme_terms: ThemeTerms,
    theme_model: ThemeModel | None,
    boilerplate: list[str],
) -> None:
    """What `themes infer` needs beside the gensim models: the lexicon, each theme's weighted terms (seeds and
    expansion), the learned word models, and the shared boilerplate lines."""
    themes = {name: {"seeds": seeds, "description": lexicon.descriptions.get(name, "")} for name, seeds in lexicon.themes.items()}
    (folder / LEXICON_FILE).write_text(tomli_w.dumps({"themes": themes}), encoding="utf-8")
    weighted = []
    for i in np.flatnonzero((theme_terms.weights > 0).any(axis=1)):
        weighted.append(
            {
                "term": evidence_terms[i],
                "weights": {t: float(w) for t, w in zip(lexicon.names, theme_terms.weights[i]) if w > 0},
                "seed_of": [t for t, seed in zip(lexicon.names, theme_terms.is_seed[i]) if seed],
            }
        )
    # json writes floats with repr, which reads back to the same float64: infer weighs with the run's exact terms.
    terms_json = json.dumps({"themes": lexicon.names, "terms": weighted}, indent=1, ensure_ascii=False) + "\n"
    (folder / "models" / THEME_TERMS_FILE).write_text(terms_json, encoding="utf-8")
    (folder / "models" / BOILERPLATE_FILE).write_text("".join(f"{line}\n" for line in boilerplate), encoding="utf-8")
    if theme_model is not None:
        learned = folder / "models" / LEARNED_DIR
        learned.mkdir()
        for name in LEARNED_ARRAYS:  # .npy: the same arrays always give the same bytes (.npz stamps the time)
            if getattr(theme_model, name) is not None:
                np.save(learned / f"{name}.npy", getattr(theme_model, name), allow_pickle=False)


def write_text_atomic(path: Path, text: str) -> None:
    """Write beside `path`, then rename over it: a reader sees the old file or the new one, never half of one."""
    _replace_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8", newline="\n"))


def _replace_atomically(path: Path, write: Callable[[Path], Any]) -> None:
    temporary = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


