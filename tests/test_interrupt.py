"""Interruptions: a run killed mid-model (SIGKILL) or stopped with Ctrl-C (SIGINT), or failing while it writes,
leaves no folder that looks complete, never touches earlier runs, and the next run succeeds."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.store import artifacts
from pipeline.cli import app
from pipeline.config_files import load_config
from pipeline.runner import run

INTERRUPTED = "interrupted: no run folder was completed; earlier runs are untouched"
# Enough passes that the model stage is still running whenever the test stops it (6 topics for 6 paragraphs).
ENDLESS_MODEL = ('model.engine="gensim"', "model.passes=1000000", "model.num_topics=6")


def complete_runs(experiment_dir: Path) -> list[Path]:
    """Folders that look like finished runs: a run-id name (not hidden) holding a manifest."""
    if not experiment_dir.exists():
        return []
    return sorted(p for p in experiment_dir.iterdir() if not p.name.startswith(".") and (p / "manifest.json").exists())


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


class Child:
    """`python -m pipeline run ...` in a subprocess; its stderr lines (one per finished stage) read as they come."""

    def __init__(self, args: list[str], cwd: Path):
        # SIGINT back to its default: a shell that starts a background job (as CI may) makes children ignore it.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "run", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for_stage(self, stage: str, timeout_s: float = 120) -> None:
        """Until the stage's line appears (it is printed when the stage finishes)."""
        deadline = time.monotonic() + timeout_s
        while (line := self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))) is not None:
            if line.startswith(f"{stage} "):
                return
        pytest.fail(f"the run ended before finishing {stage}")

    def remaining_lines(self) -> list[str]:
        lines = []
        while (line := self.lines.get(timeout=30)) is not None:
            lines.append(line)
        return lines

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture
def start_run(tiny_corpus_dir, tiny_run_overrides, tmp_path):
    """start_run(*overrides) -> a Child running the tiny corpus into tmp_path/out; always stopped afterwards."""
    children: list[Child] = []

    def start(*overrides: str) -> Child:
        settings = [*tiny_run_overrides, f"output_dir={json.dumps(str(tmp_path / 'out'))}", *overrides]
        child = Child(["--input", str(tiny_corpus_dir), *[a for s in settings for a in ("--set", s)]], cwd=tmp_path)
        children.append(child)
        return child

    yield start
    for child in children:
        child.stop()


@pytest.fixture
def tiny_config(tiny_corpus_dir, tiny_run_overrides, tmp_path):
    return load_config(
        None, [*tiny_run_overrides, f"output_dir={json.dumps(str(tmp_path / 'out'))}", f"ingest.path={json.dumps(str(tiny_corpus_dir))}"]
    )


def test_sigkill_mid_model_leaves_no_complete_run_and_the_next_run_succeeds(start_run, tiny_config, tmp_path):
    experiment = tmp_path / "out" / "default"
    earlier = run(tiny_config).run_dir
    earlier_files = snapshot(earlier)
    child = start_run(*ENDLESS_MODEL)
    child.wait_for_stage("write_tables")  # the last stage before the model under the lexicon method: the model is running
    time.sleep(0.5)
    child.process.send_signal(signal.SIGKILL)
    assert child.process.wait(timeout=30) == -signal.SIGKILL
    assert complete_runs(experiment) == [earlier]
    assert snapshot(earlier) == earlier_files
    assert [p for p in experiment.iterdir() if p != earlier and not p.name.startswith(".tmp-")] == []
    following = run(tiny_config).run_dir
    assert complete_runs(experiment) == sorted([earlier, following])
    assert json.loads((following / "manifest.json").read_text())["outputs"]


def test_ctrl_c_mid_model_exits_130_promptly_with_one_line(start_run, tmp_path):
    child = start_run(*ENDLESS_MODEL)
    child.wait_for_stage("write_tables")
    time.sleep(0.5)
    sent = time.monotonic()
    child.process.send_signal(signal.SIGINT)
    assert child.process.wait(timeout=30) == 130
    assert time.monotonic() - sent < 5
    assert child.remaining_lines() == [INTERRUPTED]
    assert complete_runs(tmp_path / "out" / "default") == []
    assert not (tmp_path / "out" / "default").exists() or not any((tmp_path / "out" / "default").iterdir())


def invoke_run(config_args: list[str]):
    return CliRunner().invoke(app, ["run", *[a for s in config_args for a in ("--set", s)]], env={"CI": "1"})


@pytest.fixture
def cli_settings(tiny_corpus_dir, tiny_run_overrides, tmp_path) -> list[str]:
    return [*tiny_run_overrides, f"output_dir={json.dumps(str(tmp_path / 'out'))}", f"ingest.path={json.dumps(str(tiny_corpus_dir))}"]


def test_ctrl_c_while_writing_removes_the_partial_folder(cli_settings, tiny_config, tmp_path, monkeypatch):
    experiment = tmp_path / "out" / "default"
    earlier = run(tiny_config).run_dir
    earlier_files = snapshot(earlier)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(artifacts, "save_models", interrupted)  # the CSVs are written, the models are not
    result = invoke_run(cli_settings)
    assert result.exit_code == 130
    assert result.stderr.strip().splitlines()[-1] == INTERRUPTED
    assert sorted(experiment.iterdir()) == [earlier]  # no temporary folder left either
    assert snapshot(earlier) == earlier_files


def test_a_failed_write_keeps_nothing_and_says_so_in_one_line(cli_settings, tmp_path, monkeypatch):
    written = []

    def disk_full(frame, path, *args, **kwargs):
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        path.write_text("partial", encoding="utf-8")

    monkeypatch.setattr(artifacts, "write_csv", disk_full)
    result = invoke_run(cli_settings)
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ") and line.endswith("writing the run failed, nothing was kept ([Errno 28] No space left on device)")
    assert "Traceback" not in result.output
    assert list((tmp_path / "out" / "default").iterdir()) == []


def test_a_temporary_folder_left_by_a_killed_run_is_removed_by_the_next_run(tiny_config, tmp_path):
    experiment = tmp_path / "out" / "default"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = socket.gethostname()
    abandoned = experiment / f".tmp-20260101-000000-abcdef12-{gone.stdout.strip()}@{host}"
    alive = experiment / f".tmp-20260101-000000-abcdef12-{os.getpid()}@{host}"  # a run still writing
    elsewhere = experiment / f".tmp-20260101-000000-abcdef12-{gone.stdout.strip()}@another-{host}"
    for folder in (abandoned, alive, elsewhere):
        folder.mkdir(parents=True)
        (folder / "paragraphs.csv").write_text("partial", encoding="utf-8")
    finished = run(tiny_config).run_dir
    assert sorted(experiment.iterdir()) == sorted([alive, elsewhere, finished])


def worker_pids(parent: int) -> list[int]:
    """Processes started by `parent` (joblib's workers and their resource trackers)."""
    found = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def alive(pids: list[int]) -> list[int]:
    living = []
    for pid in pids:
        try:
            os.kill(pid, 0)
            living.append(pid)
        except ProcessLookupError:
            pass
    return living


@pytest.mark.skipif(sys.platform != "linux", reason="pgrep -P and os.getppid watching: Linux")
def test_sigkill_mid_parallel_seeds_leaves_no_worker_processes(start_run):
    child = start_run(*ENDLESS_MODEL, "model.seeds=2")  # two replicates: fitted in two worker processes
    child.wait_for_stage("vectorize")  # several seeds: the model comes right after
    deadline = time.monotonic() + 60
    while len(workers := worker_pids(child.process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(workers) >= 2, "the seeds were not fitted in worker processes"
    child.process.send_signal(signal.SIGKILL)
    child.process.wait(timeout=30)
    deadline = time.monotonic() + 15
    while alive(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = alive(workers)
    described = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:100] for pid in survivors]
    for pid in survivors:  # never leave them behind, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert survivors == [], described
