"""manifest.json: what a run (or a folder a later command wrote) was made from and the sha256 of every file it holds,
so that `themes reproduce` can verify it."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline.errors import COUNTED_ACTIONS, InputError, PipelineError, PipelineWarning
from pipeline.stages.paths import resolved_paths
from pipeline.store.artifacts import write_text_atomic
from pipeline.types import Document

PACKAGES = ("theme-pipeline", "gensim", "scikit-learn", "nltk", "simplemma", "numpy", "scipy", "pandas", "pydantic")


@dataclass
class StageRecord:
    name: str
    elapsed_s: float
    counts: dict[str, Any] = field(default_factory=dict)
    warnings: list[PipelineWarning] = field(default_factory=list)
    reused: bool = False  # the output came from the stage cache


def describe_files(paths: list[Path]) -> list[dict[str, Any]]:
    """Path (absolute), sha256 and size of each input file, for the manifest and the stage cache; a file that
    cannot be read is a one-line InputError naming it."""
    try:
        return [
            {"path": real, "sha256": sha256_file(p), "size_bytes": p.stat().st_size}
            for p, real in zip(paths, resolved_paths(paths))
        ]
    except OSError as exc:
        raise InputError(f"{exc.filename}: cannot read ({exc.strerror or exc.__class__.__name__})") from None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def warning_summary(stages: list[StageRecord]) -> dict[str, Any]:
    """Every warning in order, and per reason how many inputs were skipped, repaired and copied."""
    entries = [
        {"stage": s.name, "action": w.action, "reason": w.reason, "message": str(w)} for s in stages for w in s.warnings
    ]
    return {
        "warnings": entries,
        **{
            action: dict(sorted(Counter(e["reason"] for e in entries if e["action"] == action).items()))
            for action in COUNTED_ACTIONS
        },
    }


def describe_inputs(documents: list[Document]) -> list[dict[str, Any]]:
    """The manifest's entry per document; taken while the documents still hold their text (it gives `n_chars`)."""
    return [
        {
            "doc_id": d.doc_id, "source": d.source, "sha256": d.sha256, "n_chars": len(d.text),
            "encoding": d.encoding, "language": d.language,
        }
        for d in documents
    ]


def write_manifest(
    folder: Path,
    *,
    run_id: str,
    experiment: str,
    config_hash: str,
    seed: int,
    inputs: Sequence[dict[str, Any]],
    stages: list[StageRecord],
    input_files: Sequence[dict[str, Any]] = (),
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """manifest.json: what ran on which inputs, what each stage did, and every warning; written last."""
    outputs = {
        str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()
    }
    manifest = {
        "run_id": run_id,
        "experiment": experiment,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config_hash": config_hash,
        "seed": seed,
        "packages": package_versions(),
        # Relative paths in config.toml mean what they meant here: `themes reproduce` runs from this folder.
        "working_dir": os.getcwd(),
        "input_files": list(input_files),
        "inputs": list(inputs),
        "stages": [
            {"name": s.name, "elapsed_s": round(s.elapsed_s, 4), "reused": s.reused, **s.counts} for s in stages
        ],
        **warning_summary(stages),
        "outputs": outputs,
        **(extra or {}),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def update_output_hashes(folder: Path, names: list[str], owned_prefix: str, rebuilt_by: str = "") -> None:
    """Record the sha256 of `names` (relative to `folder`) in its manifest.json; entries under `owned_prefix`
    that are not in `names` were replaced by them and are forgotten. `rebuilt_by` names the command that rewrote
    them after the run (`themes reproduce` then checks them by sha256 only: a re-run cannot know its options)."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    outputs = {k: v for k, v in manifest.get("outputs", {}).items() if not k.startswith(owned_prefix)}
    outputs.update({name: sha256_file(folder / name) for name in names})
    manifest["outputs"] = dict(sorted(outputs.items()))
    if rebuilt_by:
        manifest["rebuilt"] = {"by": rebuilt_by, "files": sorted(names)}
    write_text_atomic(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


FOLDER_MANIFEST = "manifest.json"


def write_folder_manifest(folder: Path, written_by: str) -> None:
    """A manifest.json in a folder a command writes into a run folder (compare/, evaluation/, diff-*/): the
    sha256 of each file in it, so `themes reproduce` can verify those files apart from the run's own."""
    outputs = {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != FOLDER_MANIFEST and not p.name.startswith(".tmp-")
    }
    try:
        write_text_atomic(
            folder / FOLDER_MANIFEST,
            json.dumps({"written_by": written_by, "outputs": outputs}, indent=2, ensure_ascii=False) + "\n",
        )
    except OSError as exc:
        raise PipelineError(f"{folder}: cannot write its manifest.json ({exc.strerror or exc})") from None
