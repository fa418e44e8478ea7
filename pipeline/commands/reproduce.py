"""Verify a run: re-run it from its config.toml and inputs, and compare every output file's sha256 with its manifest.

The re-run is a full computation (the stage cache is off: reusing stored outputs would prove nothing), made
from the working directory the run was made in, so relative paths in config.toml mean what they meant. It
goes to a temporary folder that is deleted afterwards unless `keep` names a folder to keep it in.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rich.table import Table

from pipeline.store import artifacts
from pipeline.config import CacheConfig, Config, load_config
from pipeline.errors import PipelineError
from pipeline.progress import Reporter
from pipeline.store.read import read_manifest
from pipeline.runner import run
from pipeline.stages.ingest import input_files

EQUAL, DIFFERENT, MISSING, EXTRA = "equal", "different", "missing", "extra"
EQUAL_BUT_IDENTITY = "equal but run id/time"
CHANGED, ADDED = "changed", "added"
# Files that name the run they belong to (its id, UTC time and config hash): a re-run cannot give the same bytes,
# so they are compared with those three replaced by placeholders in both.
IDENTIFIED_FILES = ("report.html",)
IDENTITY_KEYS = ("run_id", "created_utc", "config_hash")


@dataclass(frozen=True)
class FileCheck:
    name: str  # path inside the run folder, or an input file's absolute path
    status: str  # equal / different / missing / extra (outputs); changed / missing / added (inputs)
    recorded: str = ""  # sha256 in the manifest
    found: str = ""  # sha256 now


@dataclass(frozen=True)
class Reproduction:
    run_dir: Path
    outputs: list[FileCheck]
    inputs: list[FileCheck]  # only the input files that are not as recorded
    notes: list[str] = field(default_factory=list)  # config or package differences, a failed re-run
    rerun_dir: Path | None = None  # where the re-run was kept, if it was

    @property
    def identical(self) -> bool:
        return bool(self.outputs) and all(check.status in (EQUAL, EQUAL_BUT_IDENTITY) for check in self.outputs)


def reproduce(run_dir: Path, keep: Path | None = None, reporter: Reporter | None = None) -> Reproduction:
    """Re-run `run_dir` and compare; `keep` = a folder to keep the re-run in (else a deleted temporary one)."""
    run_dir = Path(run_dir).resolve()
    manifest = read_manifest(run_dir)
    config = load_config(run_dir / "config.toml").model_copy(update={"cache": CacheConfig(enabled=False)})
    notes = _config_notes(config, manifest) + _package_notes(manifest)
    working_dir = Path(manifest.get("working_dir") or os.getcwd())
    if not working_dir.is_dir():
        notes.append(f"the run's working directory {working_dir} is gone; relative paths are read from {os.getcwd()}")
        working_dir = Path(os.getcwd())
    keep = Path(keep).resolve() if keep is not None else None
    with contextlib.chdir(working_dir), _output_dir(keep) as output_dir:
        inputs = check_inputs(config, manifest.get("input_files", []))
        try:
            result = run(config, reporter, output_dir=output_dir)
        except PipelineError as exc:
            notes.append(f"the re-run failed: {exc}")
            return Reproduction(run_dir, compare_outputs(manifest.get("outputs", {}), {}), inputs, notes)
        outputs = compare_run_folders(run_dir, manifest, result.run_dir)
    return Reproduction(run_dir, outputs, inputs, notes, result.run_dir if keep is not None else None)


@contextlib.contextmanager
def _output_dir(keep: Path | None):
    if keep is not None:
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="themes-reproduce-") as temporary:
        yield Path(temporary)


def check_inputs(config: Config, recorded: list[dict]) -> list[FileCheck]:
    """Input files that changed, went missing or were added since the run (by path and sha256)."""
    try:
        current = {f["path"]: f["sha256"] for f in artifacts.describe_files(input_files(config.ingest))}
    except PipelineError:
        current = {}  # the input path itself is gone: every recorded file is reported missing
    checks = []
    for entry in recorded:
        path, digest = entry["path"], entry["sha256"]
        if path not in current:
            checks.append(FileCheck(path, MISSING, recorded=digest))
        elif current[path] != digest:
            checks.append(FileCheck(path, CHANGED, recorded=digest, found=current[path]))
    known = {entry["path"] for entry in recorded}
    checks += [FileCheck(path, ADDED, found=digest) for path, digest in current.items() if path not in known]
    return checks


def compare_outputs(recorded: dict[str, str], found: dict[str, str]) -> list[FileCheck]:
    """One check per output file named in either manifest, in the recorded order, new files last."""
    checks = []
    for name, digest in recorded.items():
        if name not in found:
            checks.append(FileCheck(name, MISSING, recorded=digest))
        else:
            checks.append(FileCheck(name, EQUAL if found[name] == digest else DIFFERENT, digest, found[name]))
    checks += [FileCheck(name, EXTRA, found=digest) for name, digest in found.items() if name not in recorded]
    return checks


def compare_run_folders(run_dir: Path, manifest: dict, rerun_dir: Path) -> list[FileCheck]:
    """compare_outputs on the two manifests, then the files that name their run compared without that name."""
    rerun = read_manifest(rerun_dir)
    checks = compare_outputs(manifest.get("outputs", {}), rerun["outputs"])
    for i, check in enumerate(checks):
        if check.status == DIFFERENT and check.name in IDENTIFIED_FILES:
            original, again = run_dir / check.name, rerun_dir / check.name
            # The run's own copy counts only if it is still the file the manifest recorded.
            if original.is_file() and artifacts.sha256_file(original) == check.recorded:
                same = without_run_identity(original, manifest) == without_run_identity(again, rerun)
                checks[i] = FileCheck(check.name, EQUAL_BUT_IDENTITY if same else DIFFERENT, check.recorded, check.found)
    return checks


def without_run_identity(path: Path, manifest: dict) -> str:
    """The text of `path` with its run's id, UTC time and config hash (as the report shows it) replaced."""
    text = path.read_text(encoding="utf-8")
    for key in IDENTITY_KEYS:
        value = str(manifest.get(key, ""))
        value = value[:12] if key == "config_hash" else value
        if value:
            text = text.replace(value, f"<{key}>")
    return text


def _config_notes(config: Config, manifest: dict) -> list[str]:
    recorded = manifest.get("config_hash", "")
    if recorded and recorded != config.hash():
        return [f"config.toml was edited since the run: its hash is {config.hash()[:8]}, the run's {recorded[:8]}"]
    return []


def _package_notes(manifest: dict) -> list[str]:
    now = artifacts.package_versions()
    changed = [
        f"{name} {version} -> {now.get(name, 'not installed')}"
        for name, version in manifest.get("packages", {}).items()
        if now.get(name) != version
    ]
    return [f"package versions differ from the run's: {', '.join(changed)}"] if changed else []


def reproduction_report(result: Reproduction) -> list[Table | str]:
    """What `themes reproduce` prints: one row per output file, the inputs that changed, notes, a verdict."""
    table = Table(title=f"Outputs of {result.run_dir} (sha256, first 12 hex digits)", title_justify="left")
    for name in ("file", "result", "recorded", "re-run"):
        table.add_column(name, overflow="fold")
    for check in result.outputs:
        table.add_row(check.name, check.status, check.recorded[:12], check.found[:12])
    parts: list[Table | str] = [table]
    parts += [f"input {check.status} since the run: {check.name}" for check in result.inputs]
    parts += [f"note: {note}" for note in result.notes]
    differing = [c.name for c in result.outputs if c.status not in (EQUAL, EQUAL_BUT_IDENTITY)]
    if result.identical:
        apart = [c.name for c in result.outputs if c.status == EQUAL_BUT_IDENTITY]
        aside = f" ({', '.join(apart)} once the run's id, time and config hash are set aside)" if apart else ""
        parts.append(f"reproduced: all {len(result.outputs)} output files match the manifest byte for byte{aside}")
    else:
        parts.append(
            f"not reproduced: {len(differing)} of {len(result.outputs)} output files differ ({', '.join(differing)})"
        )
    if result.rerun_dir is not None:
        parts.append(f"re-run kept in: {result.rerun_dir}")
    return parts
