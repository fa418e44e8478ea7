"""Benchmark: `themes compare` and `themes diff` on a run of 1,000 UN General Debate speeches.

    python bench/compare_ungdc.py [--count 1000] [--repeats 3] [--run RUN_DIR]

1. extracts --count speeches spread evenly over 1970-2024 into bench/.cache/ungdc-<count>/ (once; the same
   draw as scripts/extract_ungdc.py);
2. runs `configs/ungdc.toml` on them into bench/.cache/outputs/ (timed; skipped when --run names a finished run);
3. times each comparison command in a fresh process (import time included, as for a user), --repeats times:
   `compare --by date:year`, `compare --by country`, `compare` (all documents), `compare --doc A --doc B`,
   `diff RUN RUN`.
Prints a table; figures go to bench/results/compare_ungdc.json (git-ignored). Needs /work/shared. Never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "bench" / ".cache"
RESULTS = REPO / "bench" / "results"
sys.path.insert(0, str(REPO / "scripts"))

import extract_ungdc  # noqa: E402  (a script, not a package: importable once scripts/ is on the path)

from pipeline.config_files import load_config  # noqa: E402
from pipeline.runner import run as run_pipeline  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="speeches (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats per command (default: %(default)s)")
    parser.add_argument("--run", type=Path, help="an existing run of configs/ungdc.toml to time compare on")
    args = parser.parse_args()
    results: dict = {"count": args.count, "repeats": args.repeats}
    run_dir = args.run or make_run(args.count, results)
    documents = pd.read_csv(run_dir / "documents.csv", keep_default_na=False, dtype=str)
    results |= {"run_dir": str(run_dir), "documents": len(documents)}
    results["paragraphs_kept"] = int(pd.to_numeric(documents["n_paragraphs"]).sum())
    a, b = documents["doc_id"].iloc[0], documents["doc_id"].iloc[-1]
    commands = {
        "compare --by date:year": ["compare", run_dir, "--by", "date:year"],
        "compare --by country": ["compare", run_dir, "--by", "country"],
        "compare (similarity)": ["compare", run_dir],
        "compare --doc A --doc B": ["compare", run_dir, "--doc", a, "--doc", b],
        "diff RUN RUN": ["diff", run_dir, run_dir],
    }
    results["commands"] = {name: time_command(argv, args.repeats) for name, argv in commands.items()}
    print_table(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "compare_ungdc.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def make_run(count: int, results: dict) -> Path:
    corpus = CACHE / f"ungdc-{count}"
    if not corpus.is_dir():
        extract_ungdc.check_archive(extract_ungdc.ARCHIVE)
        speeches = extract_ungdc.list_speeches(extract_ungdc.ARCHIVE, 1970, 2024)
        chosen = extract_ungdc.choose(speeches, count, seed=0)
        extract_ungdc.extract(extract_ungdc.ARCHIVE, chosen, corpus)
    config = load_config(
        REPO / "configs" / "ungdc.toml",
        [
            f"ingest.path={json.dumps(str(corpus))}",
            f"lexicon.path={json.dumps(str(REPO / 'configs' / 'lexicons' / 'ungdc.toml'))}",
            f"output_dir={json.dumps(str(CACHE / 'outputs'))}",
        ],
    )
    began = time.perf_counter()
    result = run_pipeline(config)
    results["run_s"] = round(time.perf_counter() - began, 2)
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    results["stages_s"] = {stage["name"]: stage["elapsed_s"] for stage in manifest["stages"]}
    return result.run_dir


def time_command(argv: list, repeats: int) -> dict:
    seconds = []
    for _ in range(repeats):
        out = Path(tempfile.mkdtemp(prefix="bench-compare-"))
        try:
            command = [sys.executable, "-m", "pipeline", *map(str, argv), "--out", str(out)]
            began = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env={**os.environ, "COLUMNS": "200"})
            seconds.append(time.perf_counter() - began)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return {"median_s": round(statistics.median(seconds), 3), "min_s": round(min(seconds), 3),
            "max_s": round(max(seconds), 3)}


def print_table(results: dict) -> None:
    print(f"UN General Debates: {results['documents']} speeches, {results['paragraphs_kept']} kept paragraphs "
          f"({results['run_dir']})")
    if "run_s" in results:
        stages = ", ".join(f"{name} {s:.1f}" for name, s in results["stages_s"].items())
        print(f"themes run configs/ungdc.toml: {results['run_s']:.1f} s ({stages})")
    print(f"{'command':<26}{'median_s':>10}{'min_s':>10}{'max_s':>10}   ({results['repeats']} runs each)")
    for name, figures in results["commands"].items():
        print(f"{name:<26}{figures['median_s']:>10.2f}{figures['min_s']:>10.2f}{figures['max_s']:>10.2f}")


if __name__ == "__main__":
    main()
