"""Extract UN General Debate speeches from the shared tarball into a folder `themes run configs/ungdc.toml` reads.

    python scripts/extract_ungdc.py                    # 1,000 speeches, spread evenly over 1970-2024 -> data/ungdc/
    python scripts/extract_ungdc.py --count 0          # every speech (9,252 files, 157 MB)
    python scripts/extract_ungdc.py --years 2000-2024 --count 250 --out data/ungdc-2000s

File names are kept (`<ISO3>_<session>_<year>.txt`, e.g. USA_50_1995.txt), so `ingest.filename_pattern` reads the
country, session and year from them. The sample is the same for the same --count/--years/--seed: within each
year, speeches are drawn with a seeded random generator from the sorted file names. The folder is written under
a temporary name and renamed when complete; an existing folder is only replaced with --force.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
import sys
import tarfile
from collections import defaultdict
from pathlib import Path, PurePosixPath

ARCHIVE = Path("/work/shared/corpora/ungdc/UNGDC_1970-2024.tar.gz")
ARCHIVE_SHA256 = "3744d7ba26170f50070dcc6146f1d3223af6b01753a7cee8e7dfe92149aaca2e"
SPEECH = re.compile(r"^(?P<country>[A-Z0-9]+)_(?P<session>\d+)_(?P<year>\d{4})\.txt$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=ARCHIVE, help="the UNGDC tarball (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("data/ungdc"), help="folder to create (default: %(default)s)")
    parser.add_argument("--count", type=int, default=1000, help="speeches to extract; 0 = all (default: %(default)s)")
    parser.add_argument("--years", default="1970-2024", help="first-last year, inclusive (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the per-year draw (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args()
    first, last = parse_years(args.years)
    if args.out.exists() and not args.force:
        sys.exit(f"{args.out}: exists; pass --force to replace it")
    check_archive(args.archive)
    speeches = list_speeches(args.archive, first, last)
    chosen = choose(speeches, args.count, args.seed)
    written = extract(args.archive, chosen, args.out)
    years = sorted({int(SPEECH.match(name)["year"]) for name in chosen})
    print(f"{written} speeches from {years[0]}-{years[-1]} ({len(years)} years) -> {args.out}")


def parse_years(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", text.strip())
    if not match:
        sys.exit(f"--years {text!r}: expected YYYY or YYYY-YYYY")
    first = int(match[1])
    return first, int(match[2] or first)


def check_archive(archive: Path) -> None:
    if not archive.is_file():
        sys.exit(f"{archive}: not found (see /work/shared/corpora/ungdc/SOURCE.md)")
    digest = hashlib.sha256()
    with archive.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != ARCHIVE_SHA256:
        sys.exit(f"{archive}: sha256 {digest.hexdigest()} differs from the one in SOURCE.md ({ARCHIVE_SHA256})")


def list_speeches(archive: Path, first: int, last: int) -> dict[int, list[str]]:
    """Year -> sorted file names of that year's speeches in the archive."""
    by_year: dict[int, list[str]] = defaultdict(list)
    with tarfile.open(archive) as tar:
        for member in tar:
            name = PurePosixPath(member.name).name
            match = SPEECH.match(name)
            if member.isfile() and match and first <= int(match["year"]) <= last:
                by_year[int(match["year"])].append(name)
    if not by_year:
        sys.exit(f"{archive}: no speeches from {first}-{last}")
    return {year: sorted(names) for year, names in sorted(by_year.items())}


def choose(speeches: dict[int, list[str]], count: int, seed: int) -> set[str]:
    """`count` names spread as evenly as possible over the years (all of them when count is 0)."""
    if count <= 0:
        return {name for names in speeches.values() for name in names}
    years = list(speeches)
    rng = random.Random(seed)
    chosen: set[str] = set()
    for index, year in enumerate(years):
        quota = count // len(years) + (1 if index < count % len(years) else 0)
        names = speeches[year]
        chosen.update(rng.sample(names, min(quota, len(names))))
    return chosen


def extract(archive: Path, chosen: set[str], out: Path) -> int:
    staging = out.parent / f".tmp-{out.name}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    written = 0
    try:
        with tarfile.open(archive) as tar:
            for member in tar:
                name = PurePosixPath(member.name).name
                if member.isfile() and name in chosen:
                    (staging / name).write_bytes(tar.extractfile(member).read())
                    written += 1
        shutil.rmtree(out, ignore_errors=True)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


if __name__ == "__main__":
    main()
