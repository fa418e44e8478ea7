"""Benchmark: `themes run configs/cn-policy.toml` on the Chinese Government Work Reports and Congress reports.

    python bench/cn_policy.py [--repeats 1]

Runs the shipped config end to end (no stage cache, a fresh process each time, as a user would), then
`themes compare RUN --by date:year`, and prints a table: wall time, the time of each stage, documents,
paragraphs, vocabulary, and what the Chinese cleaning dropped. The target is under 60 s for the run on a
2-core machine. Figures go to bench/results/cn_policy.json (git-ignored). Needs /work/shared. Never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
CORPUS = REPO.parent / "shared" / "corpora" / "cn-policy"
TARGET_S = 60.0
# CPU seconds of each timed command: on a shared machine, wall time also measures the other jobs.
CPU_S: list[float] = []
_STAGE = re.compile(r"^(?P<name>[a-z]+)\s+(?P<seconds>[0-9.]+)s\s+(?P<what>.*)$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="timed runs (default: %(default)s)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} not found: this benchmark reads the shared cn-policy corpus")
    with tempfile.TemporaryDirectory(prefix="cn-policy-") as out:
        runs = [timed_run(Path(out) / str(i)) for i in range(args.repeats)]
        run_cpu_s = list(CPU_S)
        compare_s = timed(["compare", runs[-1]["run_dir"], "--by", "date:year"])[0]
    results = {
        "repeats": args.repeats,
        "run_s": [r["elapsed_s"] for r in runs],
        "run_cpu_s": run_cpu_s,
        "load_average": os.getloadavg()[0],
        "stages": runs[-1]["stages"],
        "summary": runs[-1]["summary"],
        "compare_by_year_s": compare_s,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cn_policy.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(results)


def timed(argv: list[str]) -> tuple[float, str]:
    """Wall seconds and output of `themes <argv>` in a fresh process (its CPU seconds are added to `CPU_S`)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, argv)], cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_S.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if done.returncode:
        sys.exit(f"themes {' '.join(map(str, argv))} failed:\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout + done.stderr


def timed_run(output_dir: Path) -> dict:
    elapsed, output = timed(["run", "configs/cn-policy.toml", "--no-cache", "--set", f'output_dir="{output_dir}"'])
    stages = {m["name"]: (float(m["seconds"]), m["what"]) for m in map(_STAGE.match, output.splitlines()) if m}
    run_dir = next(line.split("outputs: ", 1)[1].strip() for line in output.splitlines() if "outputs: " in line)
    summary = next(line for line in output.splitlines() if " documents, " in line and "kept" in line)
    return {"elapsed_s": elapsed, "stages": stages, "run_dir": run_dir, "summary": summary}


def print_table(results: dict) -> None:
    runs = results["run_s"]
    print(f"cn-policy: {results['summary']}")
    print(f"{'step':<28}{'seconds':>9}   what")
    print(f"{'themes run (wall, median)':<28}{statistics.median(runs):>9.1f}   "
          f"{len(runs)} run(s); target < {TARGET_S:.0f} s: {'met' if max(runs) < TARGET_S else 'MISSED'}")
    print(f"{'themes run (CPU, median)':<28}{statistics.median(results['run_cpu_s']):>9.1f}   "
          f"user + system; load average {results['load_average']:.1f} on {os.cpu_count()} cores")
    for name, (seconds, what) in results["stages"].items():
        print(f"{'  ' + name:<28}{seconds:>9.2f}   {what}")
    print(f"{'compare --by date:year':<28}{results['compare_by_year_s']:>9.1f}")


if __name__ == "__main__":
    main()
