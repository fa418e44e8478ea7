"""Time `themes run` on the bundled sample corpus: wall time of the whole command and seconds per stage.

    python bench/run_sample.py [--repeats 5] [--news 2000] [--set key=value ...]

Each repeat runs `themes` in a fresh process (so import time counts, as for a user) into a temporary output
folder, then reads per-stage seconds from the run's manifest.json; figures are medians. `--news N` runs on N
posts of the 20 Newsgroups training set as files instead (a news-sized corpus; every k-th post of the sorted
list, linked into bench/.cache/news-N/), unpacked once from ../shared/corpora/20newsgroups. The load average
and CPU count are printed beside the figures: the machine may be shared.
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

BENCH_DIR = Path(__file__).resolve().parent
NEWS_SHA256 = "bf0b569c8c1c1a37ed0b4133cd88859adb836424633ebb11d0bc49f8d47e3929"  # as in bench/newsgroups.py


def news_folder(size: int) -> Path:
    """A folder of links to `size` 20 Newsgroups training posts, spread evenly over the sorted list."""
    sys.path.insert(0, str(BENCH_DIR))
    import archives

    archive = Path("/work/shared/corpora/20newsgroups/20news-bydate.tar.gz")
    if not archive.exists():
        archive = BENCH_DIR.parent.parent / "shared" / "corpora" / "20newsgroups" / "20news-bydate.tar.gz"
    extracted = archives.ensure_extracted(archive, NEWS_SHA256, archives.CACHE_DIR / "20news-bydate")
    posts = sorted(p for p in (extracted / "20news-bydate-train").rglob("*") if p.is_file())
    chosen = posts[:: max(1, len(posts) // size)][:size]
    folder = archives.CACHE_DIR / f"news-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for post in chosen:
        (folder / f"{post.parent.name}-{post.name}.txt").symlink_to(post)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--news", type=int, default=0, help="run on this many 20 Newsgroups posts instead")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="section.key=value")
    args = parser.parse_args()
    walls, stages, loads = [], {}, []
    inputs = ["--input", str(news_folder(args.news))] if args.news else []
    for _ in range(args.repeats):
        out = Path(tempfile.mkdtemp(prefix="bench-run-"))
        try:
            command = [sys.executable, "-m", "pipeline", "run", *inputs, "--set", f'output_dir="{out}"']
            for override in args.overrides:
                command += ["--set", override]
            loads.append(os.getloadavg()[0])
            began = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            walls.append(time.perf_counter() - began)
            manifest = json.loads(next(out.rglob("manifest.json")).read_text())
            for stage in manifest["stages"]:
                stages.setdefault(stage["name"], []).append(stage["elapsed_s"])
        finally:
            shutil.rmtree(out, ignore_errors=True)
    corpus = f"{args.news} 20 Newsgroups posts" if args.news else "the sample corpus"
    print(f"themes run on {corpus}, {args.repeats} repeats (median seconds); "
          f"load average {statistics.mean(loads):.1f} on {os.cpu_count()} CPUs")
    print(f"{'step':<14}{'median_s':>10}{'min_s':>10}{'max_s':>10}")
    for name, values in [("whole command", walls), *stages.items()]:
        print(f"{name:<14}{statistics.median(values):>10.3f}{min(values):>10.3f}{max(values):>10.3f}")


if __name__ == "__main__":
    main()
