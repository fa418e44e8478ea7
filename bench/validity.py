"""Benchmark: does the default labeling hold up on corpora it was not tuned on? One table for every dev corpus.

For each development corpus the project's DEFAULTS plus only a lexicon run next to two baselines on the same
documents in the same run -- tomotopy seeded LDA and seed-word counting -- and the table gives accuracy,
macro-F1 and seconds:

- sample-dev: the bundled sample run with defaults, scored by `themes evaluate` code against
  ../shared/gold/dev.jsonl (paragraph units, macro-F1 over the labels used); the baselines label each gold unit's
  text with the bundled lexicon ("other" when no seed / a free topic wins);
- 20ng-distinct5, 20ng-distinct10, 20ng-all20: 20 Newsgroups train posts with their subject as headline
  (bench/newsgroups.py --headlines, whose sampling, lexicon and scoring this script reuses);
- sample-dev-zh: the same, run on ../shared/seed-corpus-zh (two of the sample's documents in Chinese) and scored
  against ../shared/gold/dev-zh.jsonl (no baselines: they have no Chinese tokenizer);
- agnews: AG News test split (../shared/corpora/agnews/test.csv, 4 classes, 1,900 items each), title as headline,
  lexicon bench/lexicons/agnews.toml (written from the class names alone, before its first run).

Document scores take the largest theme column ("other" excluded), as bench/newsgroups.py does.

    python bench/validity.py                                   # every corpus, full size (a few minutes)
    python bench/validity.py --per-class 100 --corpora agnews,20ng-distinct5   # a quick subset

Writes bench/results/validity.json (git-ignored). Never run as a test.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any, Callable

import pandas as pd
from rich.table import Table

import newsgroups as ng  # bench/newsgroups.py, beside this script
from pipeline.commands.evaluate import evaluate, score_units
from pipeline.commands.evaluate.gold import load_gold
from pipeline.lexicon import load_lexicon
from pipeline.runner import run as run_pipeline
from pipeline.stages.weigh import OTHER

SHARED = ng.BENCH_DIR.parent.parent / "shared"
DEV_GOLD = SHARED / "gold" / "dev.jsonl"
DEV_GOLD_ZH = SHARED / "gold" / "dev-zh.jsonl"
SAMPLE_ZH = SHARED / "seed-corpus-zh"
AGNEWS_CSV = SHARED / "corpora" / "agnews" / "test.csv"
AGNEWS_LEXICON = ng.BENCH_DIR / "lexicons" / "agnews.toml"
STAGE_CACHE = ng.CACHE_DIR / "validity-stage-cache"
NEWSGROUP_CORPORA = {"20ng-distinct5": "distinct5", "20ng-distinct10": "distinct10", "20ng-all20": "all20"}
CORPORA = ("sample-dev", "sample-dev-zh", *NEWSGROUP_CORPORA, "agnews")
# The dataset's own escaping artifacts (SOURCE.md), repaired for every method alike.
AGNEWS_REPAIRS = (("#39;", "'"), ("quot;", '"'), ("#36;", "$"), ("\\$", "$"), ("\\n", " "), ("&lt;", "<"),
                  ("&gt;", ">"), ("&amp;", "&"))

console = ng.console


# --- corpora ------------------------------------------------------------------------------------------------


def newsgroups_corpus(preset: str, per_class: int, seed: int) -> tuple[list[dict[str, str]], dict[str, list[str]]]:
    groups = list(ng.PRESETS[preset])
    rows, _counts = ng.sample_corpus(ng.ensure_extracted(), "train", groups, per_class, seed, min_words=20)
    return ng.with_headlines(rows), ng.load_group_lexicon(groups)


def agnews_corpus(per_class: int, seed: int) -> tuple[list[dict[str, str]], dict[str, list[str]]]:
    """Rows with the title as first line; `label` is the theme name, so newsgroups' scoring applies as is."""
    table = tomllib.loads(AGNEWS_LEXICON.read_text(encoding="utf-8"))["themes"]
    theme_of = {str(spec["class"]): name for name, spec in table.items()}
    by_class: dict[str, list[dict[str, str]]] = {name: [] for name in table}
    with AGNEWS_CSV.open(encoding="utf-8", newline="") as handle:
        for number, (label, title, description) in enumerate(csv.reader(handle), start=1):
            text = f"{title}\n\n{description}"
            for old, new in AGNEWS_REPAIRS:
                text = text.replace(old, new)
            by_class[theme_of[label]].append({"id": f"agnews-{number:04d}", "text": text, "label": theme_of[label]})
    rows = []
    for name, items in by_class.items():
        rows.extend(random.Random(f"{seed}:{name}").sample(items, min(per_class, len(items))))
    random.Random(seed).shuffle(rows)
    return rows, {name: list(spec["seeds"]) for name, spec in table.items()}


# --- methods ------------------------------------------------------------------------------------------------


def pipeline_config(workdir: Path, overrides: list[str], n_themes: int, reuse_cache: bool):
    cache = [f"cache.dir={ng.toml_string(str(STAGE_CACHE))}"] if reuse_cache else []
    return ng.resolve_config(None, [*overrides, *cache], n_themes)


def run_documents(name: str, rows: list[dict[str, str]], lexicon: dict[str, list[str]], args, workdir: Path):
    """The pipeline (defaults + the lexicon) and both baselines on one labeled document corpus."""
    corpus, lexicon_path = ng.write_inputs(workdir, rows, lexicon, as_files=True)
    overrides = [*ng.pipeline_overrides(workdir, corpus, lexicon_path, name, args.seed),
                 f"experiment={ng.toml_string('validity-' + name)}", *args.overrides]
    themes = list(lexicon)
    config, notes = pipeline_config(workdir, overrides, len(themes), args.reuse_cache)
    results: dict[str, Any] = {"documents": len(rows), "notes": notes}
    if not args.no_pipeline:
        began = time.perf_counter()
        done = run_pipeline(config)
        seconds = time.perf_counter() - began
        results["pipeline"] = {**ng.score_run(done.run_dir, {r["id"]: r["label"] for r in rows}, themes),
                               "elapsed_s": seconds}
    free_topics = max(config.model.num_topics - len(themes), 0)
    if not args.no_baselines:
        results["tomotopy"] = ng.tomotopy_baseline(rows, lexicon, seed=args.seed, iterations=args.iterations,
                                                   free_topics=free_topics)
        results["seedcount"] = ng.seedcount_baseline(rows, lexicon)
    return results


def run_sample_dev(args, workdir: Path, chinese: bool = False) -> dict[str, Any]:
    """Defaults on the bundled sample (or its Chinese originals: `themes run --input ../shared/seed-corpus-zh`),
    scored as `themes evaluate` scores it; baselines on the gold units' text."""
    gold_path = DEV_GOLD_ZH if chinese else DEV_GOLD
    name = "sample-dev-zh" if chinese else "sample-dev"
    overrides = [f"output_dir={ng.toml_string(str(workdir / 'outputs'))}", f'experiment="validity-{name}"',
                 *([f"ingest.path={ng.toml_string(str(SAMPLE_ZH))}"] if chinese else []), *args.overrides]
    config, _notes = pipeline_config(workdir, overrides, 0, args.reuse_cache)
    # The baselines split words on spaces and letters: they have no Chinese tokenizer.
    results: dict[str, Any] = {"notes": ["baselines not run: they split words on spaces"] if chinese else []}
    gold = load_gold(gold_path)
    results["documents"] = len(gold)
    if not args.no_pipeline:
        began = time.perf_counter()
        done = run_pipeline(config)
        seconds = time.perf_counter() - began
        scored = evaluate(done.run_dir, gold_path)
        results["pipeline"] = {"accuracy": scored.accuracy, "macro_f1": scored.macro_f1, "elapsed_s": seconds}
    if not args.no_baselines and not chinese:
        lexicon = load_lexicon(config.lexicon).themes
        rows = [{"id": u.id, "text": u.text, "label": u.primary} for u in gold]
        free_topics = max(config.model.num_topics - len(lexicon), 0)
        tomotopy = ng.tomotopy_baseline(rows, lexicon, seed=args.seed, iterations=args.iterations,
                                        free_topics=free_topics)
        results["tomotopy"] = unit_scores(gold, tomotopy, lexicon)
        results["seedcount"] = unit_scores(gold, ng.seedcount_baseline(rows, lexicon), lexicon)
    return results


def unit_scores(gold, baseline: dict[str, Any], lexicon: dict[str, list[str]]) -> dict[str, Any]:
    """A baseline's strict labels ("other" may win) scored with `themes evaluate`'s rules (accepted labels count)."""
    predicted = baseline.pop("predicted_strict")
    units = pd.DataFrame({
        "primary": [u.primary for u in gold],
        "predicted": predicted,
        "correct": [p in u.accepted for p, u in zip(predicted, gold)],
    })
    labels = [*lexicon, OTHER]
    labels += sorted({label for u in gold for label in (u.primary, *u.accept)} - set(labels))
    per_theme, _matrix = score_units(units, labels)
    return {"accuracy": float(units["correct"].mean()),
            "macro_f1": float(per_theme.loc[per_theme["in_macro"], "f1"].mean()),
            "elapsed_s": baseline["elapsed_s"]}


# --- main ---------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default=",".join(CORPORA),
                        help=f"comma list of {', '.join(CORPORA)} (default all)")
    parser.add_argument("--per-class", type=int,
                        help="documents per class (default: 200 per newsgroup, all 1,900 per AG News class)")
    parser.add_argument("--seed", type=int, default=42, help="sampling seed, also the pipeline's (default 42)")
    parser.add_argument("--iterations", type=int, default=1000, help="tomotopy Gibbs iterations (default 1000)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="pipeline override for every corpus (for experiments; the table's point is defaults)")
    parser.add_argument("--no-baselines", action="store_true", help="pipeline only")
    parser.add_argument("--no-pipeline", action="store_true", help="baselines only")
    parser.add_argument("--reuse-cache", action="store_true",
                        help=f"keep stage outputs in {STAGE_CACHE} across runs (faster label experiments; "
                        "pipeline seconds then exclude cached stages)")
    parser.add_argument("--out", type=Path, default=ng.RESULTS_DIR / "validity.json", help="results JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    chosen = [c.strip() for c in args.corpora.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in CORPORA]
    if unknown or not chosen:
        raise SystemExit(f"--corpora: unknown {', '.join(unknown) or 'empty list'}; choose from {', '.join(CORPORA)}")
    loaders: dict[str, Callable[[], tuple[list[dict[str, str]], dict[str, list[str]]]]] = {
        name: (lambda p=preset: newsgroups_corpus(p, args.per_class or 200, args.seed))
        for name, preset in NEWSGROUP_CORPORA.items()
    }
    loaders["agnews"] = lambda: agnews_corpus(args.per_class or 1900, args.seed)
    results: dict[str, Any] = {"source": ng.source_state(), "per_class": args.per_class, "seed": args.seed,
                               "overrides": args.overrides, "corpora": {}}
    ng.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        workdir = work_folder(name, args.reuse_cache)
        try:
            if name in ("sample-dev", "sample-dev-zh"):
                results["corpora"][name] = run_sample_dev(args, workdir, chinese=name == "sample-dev-zh")
            else:
                rows, lexicon = loaders[name]()
                results["corpora"][name] = run_documents(name, rows, lexicon, args, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        console.print(f"{name}: done", markup=False)
    print_table(results["corpora"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"results: {args.out}", markup=False)
    return 0


def work_folder(name: str, reuse_cache: bool) -> Path:
    """A fresh folder; with `reuse_cache` always the same one, since the stage cache keys on input paths."""
    if not reuse_cache:
        return Path(tempfile.mkdtemp(prefix=f"validity-{name}-", dir=ng.CACHE_DIR))
    folder = ng.CACHE_DIR / f"validity-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


def print_table(corpora: dict[str, dict[str, Any]]) -> None:
    table = Table(title="Validity: defaults + a lexicon vs baselines (documents; sample-dev: paragraph units)")
    for column in ("corpus", "docs", "method", "accuracy", "macro-F1", "seconds"):
        table.add_column(column, justify="left" if column in ("corpus", "method") else "right")
    methods = (("pipeline", "theme-pipeline defaults"), ("tomotopy", "tomotopy seeded LDA"),
               ("seedcount", "seed-word count"))
    for name, result in corpora.items():
        for key, label in methods:
            if key in result:
                r = result[key]
                table.add_row(name, str(result["documents"]), label, f"{r['accuracy']:.3f}", f"{r['macro_f1']:.3f}",
                              f"{r['elapsed_s']:.1f}")
        for note in result["notes"]:
            table.add_row(name, "", f"note: {note}", "", "", "")
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())
