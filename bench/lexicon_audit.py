"""Benchmark: does the lexicon audit warn where the lexicon does not fit, and stay quiet where it does?

Runs `themes run` on three corpora and prints one table (coverage figures, uncovered topics, warnings, seconds):
1. 1,000 raw 20 Newsgroups posts (50 per group from the bydate training split, seeded; headers, quotes and
   signatures kept, as a user's mail archive would be) with the DEFAULT lexicon: the audit must warn;
2. the same posts with bench/lexicons/newsgroups.toml (written from the group names): no coverage warning;
3. the bundled sample with the default lexicon: no warning.
The model stage of run 2 is reused from run 1 (the lexicon enters at the label stage). Needs ../shared.
Run from the repo root:  python bench/lexicon_audit.py  (about 2 minutes). Never run as a test.
"""

from __future__ import annotations

import json
import random
import tarfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipeline.config_files import load_config
from pipeline.runner import run

BENCH_DIR = Path(__file__).resolve().parent
ARCHIVE = Path("/work/shared/corpora/20newsgroups/20news-bydate.tar.gz")
CORPUS = BENCH_DIR / ".cache" / "newsgroups-raw1000"
OUTPUT = BENCH_DIR / ".cache" / "lexicon-audit-runs"


def raw_posts(per_group: int = 50, seed: int = 0) -> Path:
    """CORPUS/<group>/<post>.txt: `per_group` raw training posts per group, drawn once."""
    if (CORPUS / ".complete").exists():
        return CORPUS
    if not ARCHIVE.exists():
        raise SystemExit(f"{ARCHIVE}: not found (the shared corpora are needed for this benchmark)")
    rng = random.Random(seed)
    with tarfile.open(ARCHIVE) as archive:
        by_group: dict[str, list[tarfile.TarInfo]] = {}
        for member in archive.getmembers():
            if member.isfile() and "20news-bydate-train/" in member.name:
                by_group.setdefault(member.name.split("/")[-2], []).append(member)
        for group, members in sorted(by_group.items()):
            for member in rng.sample(sorted(members, key=lambda m: m.name), per_group):
                path = CORPUS / group / (member.name.split("/")[-1] + ".txt")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.extractfile(member).read())
    (CORPUS / ".complete").write_text("", encoding="utf-8")
    return CORPUS


def audited(name: str, *settings: str) -> dict:
    config = load_config(None, [f"output_dir={json.dumps(str(OUTPUT))}", f"experiment={json.dumps(name)}", *settings])
    began = time.perf_counter()
    result = run(config)
    audit = result.summary["lexicon_audit"]
    warnings = [w["reason"] for w in result.summary["warnings"] if w["reason"] in ("low_coverage", "evidence_shape")]
    return {"run": name, "seconds": time.perf_counter() - began, **audit, "audit_warnings": warnings}


def main() -> None:
    corpus = json.dumps(str(raw_posts()))
    rows = [
        audited("newsgroups-default-lexicon", f"ingest.path={corpus}"),
        audited("newsgroups-own-lexicon", f"ingest.path={corpus}",
                f"lexicon.path={json.dumps(str(BENCH_DIR / 'lexicons' / 'newsgroups.toml'))}"),  # fmt: skip
        audited("sample-default-lexicon"),
    ]
    table = Table(title="lexicon audit (1,000 raw 20 Newsgroups posts; the sample)")
    for column in ("run", "seed tokens", "seeded paragraphs", "uncovered topics", "uncovered mass", "warnings", "s"):
        table.add_column(column, justify="left" if column in ("run", "warnings") else "right")
    for r in rows:
        table.add_row(
            r["run"], f"{r['seed_token_share']:.3f}", f"{r['seeded_paragraph_share']:.3f}",
            f"{len(r['uncovered_topics'])}/{len(r['topics'])}", f"{r['uncovered_topic_share']:.3f}",
            ", ".join(r["audit_warnings"]) or "none", f"{r['seconds']:.1f}",
        )  # fmt: skip
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
