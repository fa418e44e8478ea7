"""Time `themes run` on one file without line breaks (50 MB by default): seconds per stage and peak memory.

    python bench/long_line.py [--megabytes 50] [--set section.key=value ...]

Writes the file (a policy sentence repeated, no line break) into a temporary folder, runs the installed
`themes` command on it in a fresh process, and reads per-stage seconds from the run's manifest.json. The file is
one paragraph, so every term is in all paragraphs: the vocabulary filters are opened (no_below 1, no_above 1.0).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SENTENCE = "The digital economy and network security grew together across the industry and the world. "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="section.key=value")
    args = parser.parse_args()
    size = args.megabytes * 1_000_000
    work = Path(tempfile.mkdtemp(prefix="bench-long-line-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        (corpus / "long.txt").write_text((SENTENCE * (size // len(SENTENCE) + 1))[:size], encoding="utf-8")
        command = [sys.executable, "-m", "pipeline", "run", "--input", str(corpus), "--set", f'output_dir="{work / "out"}"']
        for override in ["vectorize.no_below=1", "vectorize.no_above=1.0", *args.overrides]:
            command += ["--set", override]
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall_s = time.perf_counter() - began
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kilobytes on Linux
        manifest = json.loads(next((work / "out").rglob("manifest.json")).read_text())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"themes run on one {args.megabytes} MB line")
    print(f"{'step':<14}{'seconds':>10}")
    for name, seconds in [("whole command", wall_s), *((s["name"], s["elapsed_s"]) for s in manifest["stages"])]:
        print(f"{name:<14}{seconds:>10.2f}")
    print(f"{'peak RSS (MB)':<14}{peak_mb:>10.0f}")


if __name__ == "__main__":
    main()
