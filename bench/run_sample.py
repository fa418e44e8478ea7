"""Time `themes run` on the bundled sample corpus: wall time of the whole command and seconds per stage.

    python bench/run_sample.py [--repeats 3]

Each repeat runs the installed `themes` command in a fresh process (so import time counts, as for a user)
into a temporary output folder, then reads per-stage seconds from the run's manifest.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="section.key=value")
    args = parser.parse_args()
    walls, stages = [], {}
    for _ in range(args.repeats):
        out = Path(tempfile.mkdtemp(prefix="bench-run-"))
        try:
            command = [sys.executable, "-m", "pipeline", "run", "--set", f'output_dir="{out}"']
            for override in args.overrides:
                command += ["--set", override]
            began = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            walls.append(time.perf_counter() - began)
            manifest = json.loads(next(out.rglob("manifest.json")).read_text())
            for stage in manifest["stages"]:
                stages.setdefault(stage["name"], []).append(stage["elapsed_s"])
        finally:
            shutil.rmtree(out, ignore_errors=True)
    print(f"themes run on the sample corpus, {args.repeats} repeats (median seconds)")
    print(f"{'step':<14}{'median_s':>10}{'min_s':>10}{'max_s':>10}")
    for name, values in [("whole command", walls), *stages.items()]:
        print(f"{name:<14}{statistics.median(values):>10.3f}{min(values):>10.3f}{max(values):>10.3f}")


if __name__ == "__main__":
    main()
