"""Benchmark: how much of a run the stage cache saves when only the lexicon (or a labeling setting) changes.

Issue 5 target: changing only the lexicon and re-running takes under 30% of the first run's time on a corpus of
at least 2,000 paragraphs, and its outputs are byte-identical to a run made with --no-cache.

1. samples 20 Newsgroups posts as bench/newsgroups.py does (extracts the archive once into bench/.cache/) and
   writes corpus.jsonl plus two lexicons: the group lexicon, and the same with each theme's last seed dropped;
2. runs `themes run` in fresh processes (import time counts, as for a user), all into one output folder:
   first run (empty cache), lexicon changed, labeling threshold changed, the lexicon-changed config again with
   --no-cache, and the first config with --no-cache (the cache's own cost on a first run);
3. compares every output file of the cached lexicon-changed run with the --no-cache one, byte for byte
   (report.html, which shows its run's id and time, with those set aside).

Run from the repo root:  python bench/cache.py [--groups distinct5] [--per-group 200] [--repeats 3]
Figures go to bench/results/cache-<preset>.json (git-ignored). Never run as a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import tomli_w

from newsgroups import (
    PRESETS,
    RESULTS_DIR,
    ensure_extracted,
    load_group_lexicon,
    pipeline_overrides,
    sample_corpus,
    source_state,
    write_inputs,
)
from pipeline.commands.reproduce import IDENTIFIED_FILES, without_run_identity


def themes_run(overrides: list[str], *flags: str) -> tuple[float, dict]:
    """Wall seconds of one `themes run` in a new process, and the manifest of the run it wrote."""
    command = [sys.executable, "-m", "pipeline", "run", *flags]
    for override in overrides:
        command += ["--set", override]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "CI": "1"}, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"themes run failed ({done.returncode}): {done.stderr.strip()}")
    run_dir = Path(done.stdout.strip().splitlines()[-1].removeprefix("outputs: "))
    return elapsed, json.loads((run_dir / "manifest.json").read_text(encoding="utf-8")) | {"run_dir": str(run_dir)}


def identical_outputs(a: dict, b: dict) -> tuple[bool, list[str]]:
    """Every output file either manifest lists, byte for byte (report.html with its run's id and time set aside,
    as `themes reproduce` compares it); the names that differ."""
    first, second = Path(a["run_dir"]), Path(b["run_dir"])
    differ = []
    for name in sorted(set(a["outputs"]) | set(b["outputs"])):
        if not ((first / name).is_file() and (second / name).is_file()):
            differ.append(name)
        elif name in IDENTIFIED_FILES:
            if without_run_identity(first / name, a) != without_run_identity(second / name, b):
                differ.append(name)
        elif (first / name).read_bytes() != (second / name).read_bytes():
            differ.append(name)
    return not differ, differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", default="distinct5", choices=sorted(PRESETS))
    parser.add_argument("--per-group", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42, help="sampling seed, also the pipeline's seed")
    parser.add_argument("--min-words", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    groups = list(PRESETS[args.groups])
    rows, _counts = sample_corpus(ensure_extracted(), "train", groups, args.per_group, args.seed, args.min_words)
    lexicon = load_group_lexicon(groups)
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as temporary:
        workdir = Path(temporary)
        corpus, lexicon_path = write_inputs(workdir, rows, lexicon)
        changed_lexicon = workdir / "lexicon-changed.toml"
        changed = {name: {"seeds": seeds[:-1]} for name, seeds in lexicon.items()}
        changed_lexicon.write_text(tomli_w.dumps({"themes": changed}), encoding="utf-8")
        base = pipeline_overrides(workdir, corpus, lexicon_path, args.groups, args.seed)
        lexicon_change = [*base, f"lexicon.path={json.dumps(str(changed_lexicon))}"]
        steps = [
            ("first run (empty cache)", base, ()),
            ("lexicon changed", lexicon_change, ()),
            ("label.other_threshold changed", [*base, "label.other_threshold=1.0"], ()),
            ("lexicon changed, --no-cache", lexicon_change, ("--no-cache",)),
            ("first config, --no-cache", base, ("--no-cache",)),
        ]
        results: dict[str, list[dict]] = {name: [] for name, _, _ in steps}
        verdicts = []
        for repeat in range(args.repeats):
            # Each repeat writes into a folder of its own, so its first run starts with an empty cache.
            folder = [f"output_dir={json.dumps(str(workdir / f'outputs-{repeat}'))}"]
            for name, overrides, flags in steps:
                elapsed, manifest = themes_run([*overrides, *folder], *flags)
                results[name].append({"wall_s": elapsed, "manifest": manifest})
                print(f"  repeat {repeat + 1}, {name}: {elapsed:.1f}s", file=sys.stderr)
            verdicts.append(
                identical_outputs(results["lexicon changed"][-1]["manifest"], results["lexicon changed, --no-cache"][-1]["manifest"])
            )
        paragraphs = pd.read_csv(Path(results["first run (empty cache)"][0]["manifest"]["run_dir"]) / "paragraphs.csv")
        same = all(ok for ok, _ in verdicts)
        differ = sorted({name for _, names in verdicts for name in names})

    first = statistics.median(r["wall_s"] for r in results["first run (empty cache)"])
    print(f"\nStage cache on 20 Newsgroups {args.groups}: {len(rows)} posts, {len(paragraphs)} paragraphs "
          f"({int((paragraphs['status'] == 'kept').sum())} kept); wall seconds of `themes run` in a new process, "
          f"median of {args.repeats}")
    print(f"{'step':<32}{'median_s':>9}{'min_s':>8}{'max_s':>8}{'vs first':>10}  reused stages")
    report = {}
    for name, runs in results.items():
        walls = [r["wall_s"] for r in runs]
        reused = [s["name"] for s in runs[0]["manifest"]["stages"] if s.get("reused")]
        ratio = statistics.median(walls) / first
        print(f"{name:<32}{statistics.median(walls):>9.2f}{min(walls):>8.2f}{max(walls):>8.2f}{ratio:>9.0%}  "
              f"{', '.join(reused) or '-'}")
        report[name] = {
            "wall_s": [round(w, 3) for w in walls],
            "median_ratio_to_first": round(ratio, 4),
            "reused": reused,
            "stage_seconds": [{s["name"]: s["elapsed_s"] for s in r["manifest"]["stages"]} for r in runs],
        }
    verdict = "byte-identical" if same else f"DIFFERENT: {', '.join(differ)}"
    n_files = len(results["lexicon changed"][0]["manifest"]["outputs"])
    print(f"lexicon changed (cached) vs --no-cache, every repeat: all {n_files} output files {verdict}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"cache-{args.groups}.json"
    out.write_text(
        json.dumps(
            {"preset": args.groups, "posts": len(rows), "paragraphs": len(paragraphs),
             "paragraphs_kept": int((paragraphs["status"] == "kept").sum()), "steps": report,
             "lexicon_change_identical_to_no_cache": same, "differing_files": differ, **source_state()},
            indent=2,
        ) + "\n",
        encoding="utf-8",
    )
    print(f"figures: {out}")


if __name__ == "__main__":
    main()
