"""Benchmark: calibration of `themes effects` intervals on simulated corpora, and its time on a finished run.

    python bench/effects.py [--corpora 200] [--seed 0] [--run RUN_DIR] [--formula "~ bs(year, df=4)"] ...
    (--corpora 0 skips the calibration)

1. calibration: --corpora simulated corpora with a planted trend (a theme's share rising 0.2 points a year) and
   as many with none (pipeline/commands/effects/simulate.py: paragraphs around each document's true share, five
   seed replicates each off by a slope of its own). Prints, for the combined (method of composition) and the
   sampling-only 90% intervals, the share covering the true effect and the share leaving out zero;
2. with --run: times `themes effects RUN_DIR --formula ...` in a fresh process (import time included), as a user
   sees it, writing into a temporary folder.
Figures go to bench/results/effects.json (git-ignored). Never a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.commands.effects.simulate import Planted, calibrate, coverage

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--run", type=Path, help="a finished run folder to time `themes effects` on")
    parser.add_argument("--formula", action="append", help="formulas to time (default: the two of docs/effects.md)")
    args = parser.parse_args()
    figures: dict = {"corpora": args.corpora}
    if args.corpora:
        print(f"Calibration on {args.corpora} simulated corpora each (300 documents, 5 seeds, 90% intervals)")
        print(f"{'planted effect':<16}{'interval':<16}{'covers truth':>14}{'excludes 0':>12}{'mean width':>12}")
    for effect in (Planted().effect, 0.0) if args.corpora else ():
        started = time.perf_counter()
        results = calibrate(Planted(effect=effect), args.corpora, seed=args.seed + (effect == 0))
        shares = coverage(results)
        widths = {"combined": (results["upper"] - results["lower"]).mean(),
                  "sampling only": (results["upper_sampling"] - results["lower_sampling"]).mean()}
        for kind, suffix in (("combined", ""), ("sampling only", "_sampling")):
            print(f"{effect:<16g}{kind:<16}{shares['covers' + suffix]:>14.1%}{shares['excludes_zero' + suffix]:>12.1%}"
                  f"{widths[kind]:>12.5f}")
        figures[f"effect={effect:g}"] = shares | {"seconds": round(time.perf_counter() - started, 1)}
    if args.run:
        formulas = args.formula or ["~ bs(year, df=4)", '~ I(country == "CHN")']
        with tempfile.TemporaryDirectory() as out:
            command = [sys.executable, "-m", "pipeline", "effects", str(args.run), "--out", out]
            for formula in formulas:
                command += ["--formula", formula]
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            seconds = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = usage.ru_utime + usage.ru_stime
        # On a shared machine the wall time mostly measures the other processes; the CPU time is the command's.
        print(f"\nthemes effects {args.run} ({' ; '.join(formulas)}): {seconds:.1f} s wall, {cpu:.1f} s CPU")
        figures["effects_seconds"] = round(seconds, 1)
        figures["effects_cpu_seconds"] = round(cpu, 1)
        figures["run"] = str(args.run)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "effects.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
