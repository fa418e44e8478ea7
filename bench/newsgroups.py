"""Benchmark: document-level theme accuracy on 20 Newsgroups with ~10 seed words per theme written from group names.

Issue 3, second target: on a labeled news-like corpus with a user lexicon of ~10 seeds per theme, document-level
accuracy >= 0.96 (tomotopy seeded LDA reaches 0.955 on the held-out corpus). This script is the development
stand-in for that corpus:

1. unpacks /work/shared/corpora/20newsgroups/20news-bydate.tar.gz once into bench/.cache/ (checked by sha256);
2. strips headers, signatures and quoted lines as scikit-learn's remove=("headers", "footers", "quotes") does;
3. samples --per-group posts per group (seeded), skipping posts with fewer than --min-words words left;
4. writes corpus.jsonl (id, text, label, subject) -- or, with --headlines, one .txt file per post whose first
   line is its subject ("Re:" removed), as a news article starts with its headline -- and a lexicon TOML
   holding one theme per sampled group, copied
   from bench/lexicons/newsgroups.toml (written from the group names alone, never from the posts);
5. runs the pipeline through its Python API and scores documents.csv: a document is right when its largest theme
   column (excluding "other", ties to the first) is its group's theme; `accuracy_strict` also counts a document
   as wrong when "other" outweighs every theme;
6. reports the fate of paragraphs (paragraphs.csv `status`), so clean rules tuned for policy text can be judged;
7. optionally scores baselines on the same posts: --baseline tomotopy (seeded LDA), --baseline seedcount (floor).

Run from the repo root:  python bench/newsgroups.py --groups distinct5 --per-group 200 --baseline tomotopy
Figures go to bench/results/newsgroups-<preset>.json (git-ignored). Never run as a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
from rich.console import Console
from rich.table import Table

from pipeline.config import Config
from pipeline.config_files import load_config
from pipeline.errors import PipelineError
from pipeline.commands.evaluate import score_units
from pipeline.runner import run as run_pipeline
from pipeline.stages.weigh import OTHER

import archives  # bench/archives.py, beside this script

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_DIR = BENCH_DIR / "results"
LEXICON_FILE = BENCH_DIR / "lexicons" / "newsgroups.toml"
ARCHIVE = Path("/work/shared/corpora/20newsgroups/20news-bydate.tar.gz")
ARCHIVE_SHA256 = "bf0b569c8c1c1a37ed0b4133cd88859adb836424633ebb11d0bc49f8d47e3929"
EXTRACTED = CACHE_DIR / "20news-bydate"

ALL_GROUPS = (
    "alt.atheism", "comp.graphics", "comp.os.ms-windows.misc", "comp.sys.ibm.pc.hardware", "comp.sys.mac.hardware",
    "comp.windows.x", "misc.forsale", "rec.autos", "rec.motorcycles", "rec.sport.baseball", "rec.sport.hockey",
    "sci.crypt", "sci.electronics", "sci.med", "sci.space", "soc.religion.christian", "talk.politics.guns",
    "talk.politics.mideast", "talk.politics.misc", "talk.religion.misc",
)
# The held-out corpus has distinct, news-like themes, so the distinct presets are the ones that matter;
# all20 (overlapping groups such as the three religion ones) is for reference only.
PRESETS: dict[str, tuple[str, ...]] = {
    "distinct5": ("comp.graphics", "rec.sport.hockey", "sci.med", "sci.space", "talk.politics.mideast"),
    "distinct4": ("rec.autos", "sci.crypt", "soc.religion.christian", "talk.politics.guns"),
    "religion-politics-sport-tech": (
        "soc.religion.christian", "talk.politics.guns", "rec.sport.baseball", "comp.sys.mac.hardware",
    ),
    "distinct10": (
        "comp.graphics", "misc.forsale", "rec.autos", "rec.sport.hockey", "sci.crypt", "sci.med", "sci.space",
        "soc.religion.christian", "talk.politics.guns", "talk.politics.mideast",
    ),
    "all20": ALL_GROUPS,
}

# Tables stay readable when the output is piped to a file or a log.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 130)


# --- corpus -------------------------------------------------------------------------------------------------


def ensure_extracted() -> Path:
    return archives.ensure_extracted(ARCHIVE, ARCHIVE_SHA256, EXTRACTED)


# The three filters follow scikit-learn's sklearn/datasets/_twenty_newsgroups.py, applied in its order
# (headers, footers, quotes), so figures compare with work that uses remove=("headers", "footers", "quotes").


def strip_newsgroup_header(text: str) -> str:
    """Everything after the first blank line (the header block ends there)."""
    _before, _blank, after = text.partition("\n\n")
    return after


_QUOTE_RE = re.compile(r"(writes in|writes:|wrote:|says:|said:|^In article|^Quoted from|^\||^>)")


def strip_newsgroup_quoting(text: str) -> str:
    """Drop quoted lines (> or |) and lines that introduce a quote ("... writes:")."""
    return "\n".join(line for line in text.split("\n") if not _QUOTE_RE.search(line))


def strip_newsgroup_footer(text: str) -> str:
    """Drop the signature: everything from the last blank or all-hyphen line on (unless that is the first line)."""
    lines = text.strip().split("\n")
    line_num = 0
    for line_num in range(len(lines) - 1, -1, -1):
        if lines[line_num].strip().strip("-") == "":
            break
    return "\n".join(lines[:line_num]) if line_num > 0 else text


def strip_post(raw: str) -> str:
    return strip_newsgroup_quoting(strip_newsgroup_footer(strip_newsgroup_header(raw)))


_SUBJECT = re.compile(r"^Subject:[ \t]*(.*)$", re.MULTILINE)


def read_group(root: Path, split: str, group: str) -> list[dict[str, str]]:
    """Every post of one group, stripped, in file-number order."""
    folder = root / f"20news-bydate-{split}" / group
    posts = []
    for path in sorted(folder.iterdir(), key=lambda p: (len(p.name), p.name)):
        raw = path.read_bytes().decode("utf-8", errors="replace")
        header = raw.partition("\n\n")[0]
        subject = match.group(1).strip() if (match := _SUBJECT.search(header)) else ""
        posts.append({"id": f"{group}-{path.name}", "text": strip_post(raw), "label": group, "subject": subject})
    return posts


def sample_corpus(
    root: Path, split: str, groups: list[str], per_group: int, seed: int, min_words: int
) -> tuple[list[dict[str, str]], dict[str, dict[str, int]]]:
    """`per_group` posts per group with at least `min_words` words, then shuffled; same arguments, same corpus."""
    rows: list[dict[str, str]] = []
    counts: dict[str, dict[str, int]] = {}
    for group in groups:
        posts = read_group(root, split, group)
        eligible = [p for p in posts if len(p["text"].split()) >= min_words]
        # One generator per group, so a group's sample does not depend on which other groups are chosen.
        chosen = random.Random(f"{seed}:{group}").sample(eligible, min(per_group, len(eligible)))
        counts[group] = {"posts": len(posts), "too_short": len(posts) - len(eligible), "sampled": len(chosen)}
        rows.extend(chosen)
    random.Random(seed).shuffle(rows)
    return rows, counts


def theme_name(group: str) -> str:
    return group.replace(".", "_").replace("-", "_")


def load_group_lexicon(groups: list[str]) -> dict[str, list[str]]:
    """Theme -> seeds for the chosen groups, from bench/lexicons/newsgroups.toml."""
    table = tomllib.loads(LEXICON_FILE.read_text(encoding="utf-8"))["themes"]
    missing = [g for g in groups if theme_name(g) not in table]
    if missing:
        raise SystemExit(f"{LEXICON_FILE}: no theme for group(s) {', '.join(missing)}")
    return {theme_name(g): list(table[theme_name(g)]["seeds"]) for g in groups}


_REPLY = re.compile(r"^(?:re:\s*)+", re.IGNORECASE)


def with_headlines(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each post's subject ("Re:" removed) as its first line, like a news article's headline."""
    headed = []
    for row in rows:
        headline = _REPLY.sub("", row["subject"]).strip()
        headed.append({**row, "text": f"{headline}\n\n{row['text']}" if headline else row["text"]})
    return headed


def write_inputs(
    workdir: Path, rows: list[dict[str, str]], lexicon: dict[str, list[str]], *, as_files: bool = False
) -> tuple[Path, Path]:
    """corpus.jsonl, or with `as_files` a folder of <id>.txt files (the pipeline reads a file's first line as its
    title), and the lexicon."""
    if as_files:
        corpus_path = workdir / "corpus"
        corpus_path.mkdir()
        for row in rows:
            (corpus_path / f"{row['id']}.txt").write_text(row["text"], encoding="utf-8")
    else:
        corpus_path = workdir / "corpus.jsonl"
        with corpus_path.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    lexicon_path = workdir / "lexicon.toml"
    lexicon_path.write_text(
        "# Written by bench/newsgroups.py from bench/lexicons/newsgroups.toml: the sampled groups only.\n"
        + tomli_w.dumps({"themes": {name: {"seeds": seeds} for name, seeds in lexicon.items()}}),
        encoding="utf-8",
    )
    return corpus_path, lexicon_path


# --- pipeline -----------------------------------------------------------------------------------------------


def toml_string(value: str) -> str:
    """A TOML basic string (JSON escaping is valid TOML for these paths)."""
    return json.dumps(value)


def pipeline_overrides(workdir: Path, corpus: Path, lexicon: Path, preset: str, seed: int) -> list[str]:
    table = [] if corpus.is_dir() else ['ingest.text_column="text"', 'ingest.id_column="id"']
    return [
        f"experiment={toml_string('newsgroups-' + preset)}",
        f"output_dir={toml_string(str(workdir / 'outputs'))}",
        f"seed={seed}",
        f"ingest.path={toml_string(str(corpus))}",
        *table,
        f"lexicon.path={toml_string(str(lexicon))}",
        # The file holds only the group themes, so `replace = false` adds nothing from elsewhere.
        "lexicon.replace=false",
    ]


def resolve_config(config_file: str | None, overrides: list[str], n_themes: int) -> tuple[Config, list[str]]:
    """The pipeline config for this benchmark, and notes on anything the benchmark had to change."""
    config = load_config(config_file, overrides)
    if config.model.num_topics >= n_themes:
        return config, []
    # The model needs one topic per seeded theme; keep the default's room for free topics.
    topics = n_themes + 5
    note = f"model.num_topics raised from {config.model.num_topics} to {topics} for {n_themes} themes"
    return load_config(config_file, [*overrides, f"model.num_topics={topics}"]), [note]


# --- scoring ------------------------------------------------------------------------------------------------


def score(true_themes: list[str], weights: np.ndarray, themes: list[str]) -> dict[str, Any]:
    """Accuracy, per-theme precision/recall/F1 and a confusion matrix from a documents x (themes + other) array."""
    predicted = [themes[i] for i in np.argmax(weights[:, : len(themes)], axis=1)]  # ties go to the first
    columns = [*themes, OTHER]
    predicted_strict = [columns[i] for i in np.argmax(weights, axis=1)]
    truth = np.array(true_themes)
    theme_part = weights[:, : len(themes)]
    # Rows whose best theme weight is shared (all zeros included) go to the first theme by the tie rule.
    tied = (theme_part == theme_part.max(axis=1, keepdims=True)).sum(axis=1) > 1
    strict = per_theme_scores(true_themes, predicted_strict, themes)
    return {
        "tied_documents": int(tied.sum()),
        "accuracy": float(np.mean(truth == np.array(predicted))),
        "accuracy_strict": float(np.mean(truth == np.array(predicted_strict))),
        "other_wins": int(sum(p == OTHER for p in predicted_strict)),
        **per_theme_scores(true_themes, predicted, themes),
        "macro_f1_strict": strict["macro_f1"],
        "confusion_strict": strict["confusion"],
        "predicted_strict": predicted_strict,  # per row, so other gold rules (accepted alternatives) can score it
    }


def per_theme_scores(truth: list[str], predicted: list[str], themes: list[str]) -> dict[str, Any]:
    """Per-theme precision/recall/F1, macro-F1 over the themes, and the confusion (true theme -> predicted -> n)."""
    units = pd.DataFrame({"primary": truth, "predicted": predicted})
    units["correct"] = units["primary"] == units["predicted"]
    per_label, matrix = score_units(units, [*themes, OTHER])  # the helper `themes evaluate` uses
    per_theme = {
        row.label: {"support": int(row.support), "precision": row.precision, "recall": row.recall, "f1": row.f1}
        for row in per_label.itertuples()
        if row.label != OTHER
    }
    confusion = {
        row["gold"]: {label: int(row[label]) for label in [*themes, OTHER]}
        for _, row in matrix.iterrows()
        if row["gold"] != OTHER
    }
    macro_f1 = float(np.mean([s["f1"] for s in per_theme.values()]))
    return {"per_theme": per_theme, "macro_f1": macro_f1, "confusion": confusion}


def score_run(run_dir: Path, label_of: dict[str, str], themes: list[str]) -> dict[str, Any]:
    documents = pd.read_csv(run_dir / "documents.csv", dtype={"doc_id": str})
    missing = [t for t in [*themes, OTHER] if t not in documents.columns]
    if missing:
        raise SystemExit(f"{run_dir}/documents.csv: no column(s) {', '.join(missing)}")
    truth = [theme_name(label_of[d]) for d in documents["doc_id"]]
    result = score(truth, documents[[*themes, OTHER]].to_numpy(dtype=float), themes)
    result["documents_without_kept_paragraphs"] = int((documents["n_paragraphs"] == 0).sum())
    return result


def drop_statistics(run_dir: Path, examples_per_reason: int = 5) -> dict[str, Any]:
    """How many paragraphs (and words) each `status` accounts for, with a few examples of each drop reason."""
    paragraphs = pd.read_csv(run_dir / "paragraphs.csv", keep_default_na=False)
    paragraphs["words"] = paragraphs["text"].str.split().str.len()
    total_paragraphs, total_words = len(paragraphs), int(paragraphs["words"].sum())
    by_status = {}
    for status, group in sorted(paragraphs.groupby("status"), key=lambda kv: -len(kv[1])):
        by_status[status] = {
            "paragraphs": len(group),
            "share_paragraphs": len(group) / total_paragraphs,
            "words": int(group["words"].sum()),
            "share_words": int(group["words"].sum()) / total_words if total_words else 0.0,
            "examples": [] if status == "kept" else [t[:160] for t in group["text"].head(examples_per_reason)],
        }
    return {"paragraphs": total_paragraphs, "words": total_words, "by_status": by_status}


# --- baseline -----------------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z][a-z0-9']*[a-z0-9]|[a-z]")


def simple_tokens(text: str, stopwords: frozenset[str]) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if len(w) >= 2 and w not in stopwords]


def seed_tokens(lexicon: dict[str, list[str]]) -> dict[str, set[int]]:
    """Single-word seed -> indexes of the themes that list it (phrase seeds cannot match single tokens)."""
    themes_of: dict[str, set[int]] = {}
    for t, seeds in enumerate(lexicon.values()):
        for seed_word in seeds:
            if " " not in seed_word:
                themes_of.setdefault(seed_word.lower(), set()).add(t)
    return themes_of


def seedcount_baseline(rows: list[dict[str, str]], lexicon: dict[str, list[str]]) -> dict[str, Any]:
    """Floor: each post goes to the theme whose seed words it uses most; a post with no seed word is "other"."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    began = time.perf_counter()
    themes, themes_of = list(lexicon), seed_tokens(lexicon)
    weights = np.zeros((len(rows), len(themes) + 1))
    for i, row in enumerate(rows):
        for word in simple_tokens(row["text"], ENGLISH_STOP_WORDS):
            for t in themes_of.get(word, ()):
                weights[i, t] += 1
        if not weights[i].any():
            weights[i, -1] = 1.0
    result = score([theme_name(r["label"]) for r in rows], weights, themes)
    result.update(posts_with_a_seed=float(np.mean(weights[:, -1] == 0)), elapsed_s=time.perf_counter() - began)
    return result


def tomotopy_baseline(
    rows: list[dict[str, str]], lexicon: dict[str, list[str]], *, seed: int, iterations: int, free_topics: int
) -> dict[str, Any]:
    """Seeded LDA with tomotopy: topic k < len(themes) gets prior 1.0 on theme k's seed words, 0.1 elsewhere."""
    import tomotopy as tp
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    began = time.perf_counter()
    themes = list(lexicon)
    k = len(themes) + free_topics
    model = tp.LDAModel(k=k, seed=seed)
    tokens = [simple_tokens(row["text"], ENGLISH_STOP_WORDS) for row in rows]
    doc_index = {}
    for i, words in enumerate(tokens):
        if words:
            doc_index[i] = len(doc_index)
            model.add_doc(words)
    vocabulary = {w for words in tokens for w in words}
    topics_of = {word: topics for word, topics in seed_tokens(lexicon).items() if word in vocabulary}
    skipped_phrases = [s for seeds in lexicon.values() for s in seeds if " " in s]
    # tomotopy's documented seeding recipe: prior 1.0 in the seed's topic(s), 0.1 in every other topic.
    for word, topics in topics_of.items():
        model.set_word_prior(word, [1.0 if j in topics else 0.1 for j in range(k)])
    step = 50
    for _ in range(0, iterations, step):
        model.train(step, workers=1)  # one worker: the same seed gives the same model
    fitted = list(model.docs)  # tomotopy 0.14's corpus view raises IndexError on integer indexing
    weights = np.zeros((len(rows), len(themes) + 1))
    for i in range(len(rows)):
        if i in doc_index:
            dist = np.asarray(fitted[doc_index[i]].get_topic_dist())
            weights[i, : len(themes)] = dist[: len(themes)]
            weights[i, -1] = dist[len(themes) :].sum()  # free topics play the part of "other"
        else:
            weights[i, -1] = 1.0
    result = score([theme_name(r["label"]) for r in rows], weights, themes)
    result.update(
        k=k,
        iterations=iterations,
        seed_words_used=len(topics_of),
        phrase_seeds_skipped=sorted(set(skipped_phrases)),
        elapsed_s=time.perf_counter() - began,
    )
    return result


# --- report -------------------------------------------------------------------------------------------------


def source_state() -> dict[str, Any]:
    """The commit the pipeline ran from and whether pipeline/ had uncommitted edits (figures move with the code)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=BENCH_DIR.parent, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "pipeline_dirty": bool(git("status", "--porcelain", "--", "pipeline"))}


def print_summary(rows: list[dict[str, Any]]) -> None:
    table = Table(title="20 Newsgroups: document-level theme accuracy")
    for column in ("method", "groups", "docs", "paragraphs", "kept", "seconds", "accuracy", "accuracy_strict",
                   "macro_F1", "tied docs"):
        table.add_column(column, justify="left" if column in ("method", "groups") else "right")
    for r in rows:
        table.add_row(
            r["method"], r["groups"], str(r["docs"]), r.get("paragraphs", "-"), r.get("kept", "-"),
            f"{r['seconds']:.1f}", f"{r['accuracy']:.3f}", f"{r['accuracy_strict']:.3f}", f"{r['macro_f1']:.3f}",
            str(r["tied_documents"]),
        )
    console.print(table)


def print_per_theme(title: str, scores: dict[str, Any]) -> None:
    table = Table(title=title)
    for column in ("theme", "n", "precision", "recall", "F1", "most confused with", '"other" wins'):
        table.add_column(column, justify="left" if column in ("theme", "most confused with") else "right")
    for theme, s in scores["per_theme"].items():
        wrong = {p: n for p, n in scores["confusion"][theme].items() if p != theme and n}
        worst = ", ".join(f"{p} {n}" for p, n in sorted(wrong.items(), key=lambda kv: -kv[1])[:3]) or "-"
        other_wins = scores["confusion_strict"][theme][OTHER]
        table.add_row(theme, str(s["support"]), f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", worst,
                      str(other_wins))
    console.print(table)


def print_drops(drops: dict[str, Any]) -> None:
    table = Table(title=f"Paragraph status ({drops['paragraphs']} paragraphs, {drops['words']} words)")
    for column in ("status", "paragraphs", "% paragraphs", "words", "% words"):
        table.add_column(column, justify="left" if column == "status" else "right")
    for status, s in drops["by_status"].items():
        table.add_row(status, str(s["paragraphs"]), f"{100 * s['share_paragraphs']:.1f}", str(s["words"]),
                      f"{100 * s['share_words']:.1f}")
    console.print(table)


# --- main ---------------------------------------------------------------------------------------------------


def parse_groups(value: str) -> tuple[str, list[str]]:
    """A preset name or a comma list of group names -> (preset label, groups)."""
    if value in PRESETS:
        return value, list(PRESETS[value])
    groups = [g.strip() for g in value.split(",") if g.strip()]
    unknown = [g for g in groups if g not in ALL_GROUPS]
    if unknown or not groups:
        raise argparse.ArgumentTypeError(
            f"unknown group(s) {', '.join(unknown) or value!r}; use a preset ({', '.join(PRESETS)}) "
            f"or a comma list of: {', '.join(ALL_GROUPS)}"
        )
    return "custom-" + hashlib.sha1(",".join(groups).encode()).hexdigest()[:8], groups


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=parse_groups, default="distinct5",
                        help=f"preset ({', '.join(PRESETS)}) or comma list of groups (default distinct5)")
    parser.add_argument("--per-group", type=int, default=200, help="posts sampled per group (default 200)")
    parser.add_argument("--split", choices=("train", "test"), default="train", help="bydate split (default train)")
    parser.add_argument("--seed", type=int, default=42, help="sampling seed, also the pipeline's seed (default 42)")
    parser.add_argument("--min-words", type=int, default=20,
                        help="skip posts with fewer words after stripping (default 20)")
    parser.add_argument("--headlines", action="store_true",
                        help="give each post its subject as first line and read the posts as .txt files, as a news "
                        "corpus with headlines would be (the baselines see the same text)")
    parser.add_argument("--config", help="experiment config file applied before the benchmark's own settings")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="pipeline override, applied last (repeatable)")
    parser.add_argument("--baseline", action="append", choices=("tomotopy", "seedcount"), default=[],
                        help="also score this baseline on the same posts (repeatable): tomotopy seeded LDA, or "
                        "seedcount (most seed words wins; a floor that also shows lexicon coverage)")
    parser.add_argument("--baseline-iterations", type=int, default=1000, help="tomotopy Gibbs iterations")
    parser.add_argument("--baseline-free-topics", type=int,
                        help="tomotopy topics beyond one per theme (default: as many as the pipeline config has)")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the pipeline (baseline only)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (corpus, lexicon, run folder)")
    parser.add_argument("--out", type=Path, help="results JSON (default bench/results/newsgroups-<preset>.json)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    preset, groups = args.groups  # argparse runs parse_groups on the default too
    root = ensure_extracted()
    rows, group_counts = sample_corpus(root, args.split, groups, args.per_group, args.seed, args.min_words)
    if args.headlines:
        rows = with_headlines(rows)
    lexicon = load_group_lexicon(groups)
    themes = list(lexicon)
    label_of = {row["id"]: row["label"] for row in rows}

    workdir = Path(tempfile.mkdtemp(prefix=f"newsgroups-{preset}-{args.split}-{args.per_group}-", dir=CACHE_DIR))
    results: dict[str, Any] = {
        "preset": preset,
        "groups": groups,
        "split": args.split,
        "per_group": args.per_group,
        "seed": args.seed,
        "min_words": args.min_words,
        "headlines": args.headlines,
        "documents": len(rows),
        "group_counts": group_counts,
        "lexicon": lexicon,
        "config_file": args.config,
        "overrides": args.overrides,
        "source": source_state(),
    }
    summary_rows = []
    try:
        corpus_path, lexicon_path = write_inputs(workdir, rows, lexicon, as_files=args.headlines)
        overrides = [*pipeline_overrides(workdir, corpus_path, lexicon_path, preset, args.seed), *args.overrides]
        try:
            config, notes = resolve_config(args.config, overrides, len(themes))
            if not args.no_pipeline:
                began = time.perf_counter()
                run = run_pipeline(config)
                elapsed_s = time.perf_counter() - began
        except PipelineError as exc:
            console.print(f"error: {exc}", markup=False)
            return exc.exit_code
        for note in notes:
            console.print(f"note: {note}", markup=False)
        if not args.no_pipeline:
            scores = score_run(run.run_dir, label_of, themes)
            drops = drop_statistics(run.run_dir)
            manifest = json.loads((run.run_dir / "manifest.json").read_text(encoding="utf-8"))
            results["pipeline"] = {
                **scores,
                "elapsed_s": elapsed_s,
                "summary": run.summary,
                "stages": [{"name": s["name"], "elapsed_s": s["elapsed_s"]} for s in manifest["stages"]],
                "drops": drops,
                "notes": notes,
                "run_dir": str(run.run_dir) if args.keep else None,
            }
            summary_rows.append({
                "method": "theme-pipeline", "groups": preset, "docs": len(rows),
                "paragraphs": str(run.summary["paragraphs"]), "kept": str(run.summary["paragraphs_kept"]),
                "seconds": elapsed_s, **scores,
            })
        if "tomotopy" in args.baseline:
            free_topics = args.baseline_free_topics
            if free_topics is None:
                free_topics = max(config.model.num_topics - len(themes), 0)
            baseline = tomotopy_baseline(rows, lexicon, seed=args.seed, iterations=args.baseline_iterations,
                                         free_topics=free_topics)
            results["baseline_tomotopy"] = baseline
            summary_rows.append({
                "method": f"tomotopy seeded LDA, k={baseline['k']}", "groups": preset, "docs": len(rows),
                "seconds": baseline["elapsed_s"], **baseline,
            })
        if "seedcount" in args.baseline:
            floor = seedcount_baseline(rows, lexicon)
            results["baseline_seedcount"] = floor
            summary_rows.append({
                "method": "seed-word count", "groups": preset, "docs": len(rows), "seconds": floor["elapsed_s"],
                **floor,
            })
    finally:
        if args.keep:
            console.print(f"work folder kept: {workdir}", markup=False)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    console.print(
        f"{preset}: {', '.join(groups)} | split {args.split}, {args.per_group} per group, seed {args.seed}, "
        f"posts under {args.min_words} words skipped: "
        f"{sum(c['too_short'] for c in group_counts.values())} of {sum(c['posts'] for c in group_counts.values())}",
        markup=False,
    )
    if summary_rows:
        print_summary(summary_rows)
    if "pipeline" in results:
        stages = ", ".join(f"{s['name']} {s['elapsed_s']:.1f}" for s in results["pipeline"]["stages"])
        console.print(f"pipeline stages (s): {stages}", markup=False)
        print_per_theme("theme-pipeline, per theme (documents)", results["pipeline"])
        print_drops(results["pipeline"]["drops"])
    if "baseline_tomotopy" in results:
        print_per_theme("tomotopy seeded LDA, per theme (documents)", results["baseline_tomotopy"])
    if "baseline_seedcount" in results:
        share = results["baseline_seedcount"]["posts_with_a_seed"]
        console.print(f"posts containing at least one single-word seed (exact, lowercase): {share:.1%}", markup=False)
    out = args.out or RESULTS_DIR / f"newsgroups-{preset}{'-headlines' if args.headlines else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"results: {out}", markup=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
