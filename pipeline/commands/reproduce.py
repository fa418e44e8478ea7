"""Verify a run: check every file in its folder against the sha256 its manifest records, then re-run it from its
config.toml and inputs and compare every output file's sha256 with the manifest.

Files that documented commands add later are verified too: `themes report` records what it rewrites in the run's
manifest.json; `compare/`, `evaluation/`, `diff-*/` and `infer/<id>/` hold their own manifest.json.

The re-run is a full computation (the stage cache is off: reusing stored outputs would prove nothing), made
from the working directory the run was made in, so relative paths in config.toml mean what they meant. It
goes to a temporary folder that is deleted afterwards unless `keep` names a folder to keep it in.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rich.table import Table

from pipeline.store.manifest import describe_files, package_versions, sha256_file
from pipeline.config import CacheConfig, Config
from pipeline.config_files import load_config
from pipeline.errors import PipelineError
from pipeline.progress import Reporter
from pipeline.store.read import read_manifest
from pipeline.runner import run
from pipeline.store.cache import written_folders
from pipeline.stages.ingest import input_files

EQUAL, DIFFERENT, MISSING, EXTRA = "equal", "different", "missing", "extra"
EQUAL_BUT_IDENTITY = "equal but run id/time"
CHANGED, ADDED, UNLISTED = "changed", "added", "unlisted"
REBUILT = "rebuilt later, sha256 checked"
MANIFEST = "manifest.json"
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
    unverified: list[FileCheck] = field(default_factory=list)  # files in the run folder that are not as listed
    n_verified: int = 0  # files whose sha256 was checked against a manifest

    @property
    def identical(self) -> bool:
        matching = (EQUAL, EQUAL_BUT_IDENTITY, REBUILT)
        return not self.unverified and bool(self.outputs) and all(c.status in matching for c in self.outputs)


def reproduce(run_dir: Path, keep: Path | None = None, reporter: Reporter | None = None) -> Reproduction:
    """Re-run `run_dir` and compare; `keep` = a folder to keep the re-run in (else a deleted temporary one)."""
    run_dir = Path(run_dir).resolve()
    manifest = read_manifest(run_dir)
    unverified, n_verified = verify_files(run_dir, manifest)
    if unverified:
        # A re-run would be compared with hashes the folder no longer matches: what it proved would be unclear.
        note = "not re-run: restore the files above (or re-run with `themes run`) before checking reproducibility"
        return Reproduction(run_dir, [], [], [note], unverified=unverified, n_verified=n_verified)
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
    rerun_dir = result.run_dir if keep is not None else None
    return Reproduction(run_dir, outputs, inputs, notes, rerun_dir, n_verified=n_verified)


def verify_files(run_dir: Path, manifest: dict) -> tuple[list[FileCheck], int]:
    """(problems, files checked): every file under `run_dir` against the sha256 that its run's manifest, or the
    manifest.json of the nearest folder holding one (written by a later command), records. A changed or missing
    listed file, and a file no manifest lists, is a problem."""
    run_dir = Path(run_dir)
    manifests = {Path("."): manifest.get("outputs", {})}
    for path in sorted(run_dir.rglob(MANIFEST)):
        if path.parent != run_dir:
            manifests[path.parent.relative_to(run_dir)] = _listed(path)
    problems, checked = [], 0
    for folder, listed in manifests.items():
        for name, digest in listed.items():
            path = run_dir / folder / name
            shown = (folder / name).as_posix()
            if not path.is_file():
                problems.append(FileCheck(shown, MISSING, recorded=digest))
                continue
            checked += 1
            found = sha256_file(path)
            if found != digest:
                problems.append(FileCheck(shown, CHANGED, recorded=digest, found=found))
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(run_dir)
        if path.name == MANIFEST and relative.parent in manifests:
            continue
        owner = next((f for f in relative.parents if f in manifests), Path("."))
        if relative.relative_to(owner).as_posix() not in manifests[owner]:
            problems.append(FileCheck(relative.as_posix(), UNLISTED, found=sha256_file(path)))
    return problems, checked


def _listed(path: Path) -> dict[str, str]:
    """The outputs a folder's manifest.json lists, or none when it is not one (its files then count as unlisted)."""
    try:
        outputs = json.loads(path.read_text(encoding="utf-8")).get("outputs", {})
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return {}
    return {str(k): str(v) for k, v in outputs.items()} if isinstance(outputs, dict) else {}


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
        current = {f["path"]: f["sha256"] for f in describe_files(input_files(config.ingest, written_folders(config)))}
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
    rebuilt = set(manifest.get("rebuilt", {}).get("files", []))
    for i, check in enumerate(checks):
        # `themes report` options (a sweep) are not in config.toml; verify_files checked these by their hashes.
        if rebuilt and (check.name in rebuilt or check.name.startswith("charts/")):
            checks[i] = FileCheck(check.name, REBUILT, check.recorded, check.found)
            continue
        if check.status == DIFFERENT and check.name in IDENTIFIED_FILES:
            original, again = run_dir / check.name, rerun_dir / check.name
            # The run's own copy counts only if it is still the file the manifest recorded.
            if original.is_file() and sha256_file(original) == check.recorded:
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
    now = package_versions()
    changed = [
        f"{name} {version} -> {now.get(name, 'not installed')}"
        for name, version in manifest.get("packages", {}).items()
        if now.get(name) != version
    ]
    return [f"package versions differ from the run's: {', '.join(changed)}"] if changed else []


def reproduction_report(result: Reproduction) -> list[Table | str]:
    """What `themes reproduce` prints: the files not as their manifest lists them (first), one row per output
    file, the inputs that changed, notes, a verdict."""
    if result.unverified:
        shown = ", ".join(f"{c.name} ({c.status})" for c in result.unverified[:5])
        more = f" and {len(result.unverified) - 5} more" if len(result.unverified) > 5 else ""
        parts: list[Table | str] = [
            f"not reproduced: {len(result.unverified)} file(s) in {result.run_dir} do not match its manifest: "
            f"{shown}{more}"
        ]
        parts += [
            f"{c.status}: {c.name}" + (f" (recorded {c.recorded[:12]}, now {c.found[:12]})" if c.recorded and c.found else "")
            for c in result.unverified
        ]
        return parts + [f"note: {note}" for note in result.notes]
    table = Table(title=f"Outputs of {result.run_dir} (sha256, first 12 hex digits)", title_justify="left")
    for name in ("file", "result", "recorded", "re-run"):
        table.add_column(name, overflow="fold")
    for check in result.outputs:
        table.add_row(check.name, check.status, check.recorded[:12], check.found[:12])
    parts: list[Table | str] = [f"verified: all {result.n_verified} listed files match their recorded sha256", table]
    parts += [f"input {check.status} since the run: {check.name}" for check in result.inputs]
    parts += [f"note: {note}" for note in result.notes]
    differing = [c.name for c in result.outputs if c.status not in (EQUAL, EQUAL_BUT_IDENTITY, REBUILT)]
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
