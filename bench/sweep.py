"""Time `themes sweep` with its defaults on the bundled sample corpus (target: under 2 minutes on 2 cores).

    python bench/sweep.py [--repeats 1] [--jobs -1] [--set section.key=value ...]

Each repeat runs the installed command in a fresh process (import time and worker start-up count, as for a
user) into a temporary output folder, then reads per-stage seconds from the sweep's manifest.json. CPU seconds
(user + system, workers included) are printed too: on a shared machine they vary less than wall time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=-1)
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="section.key=value")
    args = parser.parse_args()
    walls, cpus, stages, recommendation = [], [], {}, {}
    for _ in range(args.repeats):
        out = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
        try:
            command = [sys.executable, "-m", "pipeline", "sweep", "--jobs", str(args.jobs), "--set", f'output_dir="{out}"']
            for override in args.overrides:
                command += ["--set", override]
            cpu_before = _children_cpu_s()
            began = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            walls.append(time.perf_counter() - began)
            cpus.append(_children_cpu_s() - cpu_before)
            folder = next(out.rglob("sweep.csv")).parent
            for stage in json.loads((folder / "manifest.json").read_text())["stages"]:
                stages.setdefault(stage["name"], []).append(stage["elapsed_s"])
                if stage["name"] == "fit":
                    fits = stage["fits"]
            recommendation = json.loads((folder / "recommendation.json").read_text())
        finally:
            shutil.rmtree(out, ignore_errors=True)
    print(f"themes sweep on the sample corpus, defaults, {args.repeats} repeat(s), --jobs {args.jobs} (seconds)")
    print(f"{'step':<16}{'median_s':>10}{'min_s':>10}{'max_s':>10}")
    for name, values in [("whole command", walls), ("cpu (all procs)", cpus), *stages.items()]:
        print(f"{name:<16}{statistics.median(values):>10.2f}{min(values):>10.2f}{max(values):>10.2f}")
    wall = statistics.median(walls)
    print(f"{fits} fits, {wall / fits:.2f} s per fit; target < {TARGET_S:.0f} s: {'met' if wall < TARGET_S else 'MISSED'}")
    print(f"recommended {recommendation['reason']}")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
