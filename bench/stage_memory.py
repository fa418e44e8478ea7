"""Where a run's memory goes: resident memory after each stage, each stage's peak and the code it was in.

    python bench/stage_memory.py [--size 100000|all] [--config configs/ungdc-scale.toml] [--set key=value ...]
                                 [--hashes out.json]

Runs `runner.run` in this process on UN General Debate speeches (`bench/scale.py`'s subsets: unpacked once into
bench/.cache/) while a thread reads this process's RSS every 50 ms and, at each new high within a stage, the
main thread's innermost calls. Prints per stage its seconds, RSS at its end and its peak with where it was; then
the whole run's peak (VmHWM, as bench/scale.py reports it) and the load average. `--hashes` writes the sha256 of
every output file but manifest.json (report.html with its run id and time masked), to check that a change keeps
the outputs' bytes: compare two such files. Never run as a test: all paragraphs take minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

import scale  # noqa: E402  (bench/scale.py: the corpus and its subsets)

from pipeline.config_files import load_config  # noqa: E402

SAMPLE_S = 0.05
_MASKED = re.compile(rb"\d{8}-\d{6}-[0-9a-f]{8}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


def status_mb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    return 0


class Watcher:
    """The run's progress protocol, and a thread recording each stage's RSS peak and where the main thread was."""

    def __init__(self) -> None:
        self.stage = "imports"
        self.peaks: dict[str, tuple[int, list[str]]] = {}
        self.rows: list[tuple[str, float, int]] = []
        self.main = threading.get_ident()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while True:
            rss, stage = status_mb("VmRSS"), self.stage
            if rss > self.peaks.get(stage, (0, []))[0]:
                frame = sys._current_frames().get(self.main)
                where = [f"{f.name}:{f.lineno}" for f in traceback.extract_stack(frame)[-5:]] if frame else []
                self.peaks[stage] = (rss, where[::-1])
            time.sleep(SAMPLE_S)

    def start(self, stage: str) -> None:
        self.stage = stage

    def finish(self, stage: str, elapsed_s: float, counts: dict[str, Any]) -> None:
        self.rows.append((stage, elapsed_s, status_mb("VmRSS")))

    def advance(self, stage: str, done: int, total: int) -> None:
        pass

    def warn(self, message: str) -> None:
        print(f"  warning: {message}", file=sys.stderr)

    def close(self) -> None:
        pass


def output_hashes(run_dir: Path) -> dict[str, str]:
    hashes = {}
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file() and p.name != "manifest.json"):
        data = path.read_bytes()
        hashes[str(path.relative_to(run_dir))] = hashlib.sha256(_MASKED.sub(b"", data) if path.name == "report.html"
                                                                 else data).hexdigest()
    return hashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="all", help="kept paragraphs (a number) or all")
    parser.add_argument("--config", default=str(BENCH_DIR.parent / "configs" / "ungdc-scale.toml"))
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="section.key=value")
    parser.add_argument("--hashes", type=Path, help="write the output files' sha256 here")
    args = parser.parse_args()
    scale.archives.ensure_extracted(scale.ARCHIVE, scale.ARCHIVE_SHA256, scale.EXTRACTED)
    os.chdir(BENCH_DIR.parent)  # the config's relative paths (lexicon) are relative to the repository
    config = load_config(args.config, [f'ingest.path="{scale.CORPUS}"', *args.overrides])
    folder = scale.subset(args.size, scale.paragraph_counts(config))
    output_dir = Path(tempfile.mkdtemp(prefix="stage-memory-", dir=scale.archives.CACHE_DIR))
    config = load_config(args.config, [f'ingest.path="{folder}"', f'output_dir="{output_dir}"', *args.overrides])
    import platform

    from pipeline.runner import run

    platform.platform()  # gensim asks once, in a child process; asked here, before any stage (see bench/scale.py)
    watcher = Watcher()
    began = time.perf_counter()
    result = run(config, watcher)
    wall_s, peak_mb = time.perf_counter() - began, status_mb("VmHWM")
    print(f"{'stage':<10}{'s':>8}{'rss_MB':>9}{'peak_MB':>9}  where the peak was (innermost first)")
    for stage, elapsed_s, rss in watcher.rows:
        peak, where = watcher.peaks.get(stage, (0, []))
        print(f"{stage:<10}{elapsed_s:>8.2f}{rss:>9}{peak:>9}  {' <- '.join(where)}")
    print(f"{args.size} paragraphs: {wall_s:.1f} s, peak RSS {peak_mb} MB (VmHWM); load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    if args.hashes:
        args.hashes.write_text(json.dumps(output_hashes(result.run_dir), indent=1))
        print(f"output hashes: {args.hashes}")
    shutil.rmtree(output_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
