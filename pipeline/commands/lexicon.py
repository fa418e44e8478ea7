"""`themes lexicon suggest RUN_DIR`: seeds to add to each theme and new themes for what no theme covers, written
as a lexicon TOML to edit and run again.

Seeds for a theme are words concentrated in the kept paragraphs the theme dominates: in at least
`MIN_PARAGRAPHS` of them and with at least `MIN_CONCENTRATION` of all paragraphs holding the word, so a word
every theme uses is never proposed. New themes come from the run's uncovered topics (uncovered_topics.csv):
their top terms are the seeds. Names, e-mail addresses, hosts and numbers are never proposed (the same token
shapes the audit warns about). Counts and example paragraphs go in TOML comments; the file loads as a lexicon.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.config import LexiconConfig
from pipeline.config_files import load_config
from pipeline.errors import InputError, one_line
from pipeline.lexicon import RESERVED_NAMES, load_lexicon
from pipeline.stages.audit import term_shapes
from pipeline.stages.tokenize import build_analyzer
from pipeline.store import artifacts
from pipeline.store.manifest import update_output_hashes
from pipeline.store.read import read_run_csv

SUGGESTED_FILE = "lexicon-suggested.toml"
MIN_PARAGRAPHS = 3
MIN_CONCENTRATION = 0.6
SEEDS_PER_THEME = 10
# Uncovered topics smaller than this share of the corpus are not worth a theme of their own.
MIN_TOPIC_SHARE = 0.02
SEEDS_PER_NEW_THEME = 8
EXAMPLES = 2
EXCERPT_CHARS = 100


@dataclass(frozen=True)
class SeedSuggestion:
    term: str
    in_theme: int  # kept paragraphs holding it that the theme dominates (new themes: paragraphs holding it)
    paragraphs: int  # kept paragraphs holding it
    example: str  # "doc_id: excerpt"


@dataclass(frozen=True)
class ThemeSuggestion:
    name: str
    description: str
    seeds: list[str]  # as the run's lexicon has them
    added: list[SeedSuggestion]
    topic: int | None = None  # a new theme: the uncovered topic it comes from
    share: float = 0.0
    examples: tuple[str, ...] = ()


def suggest(run_dir: Path) -> list[ThemeSuggestion]:
    """Suggestions for every theme of the run's lexicon, then one new theme per sizeable uncovered topic."""
    lexicon = load_lexicon(LexiconConfig(path=str(run_dir / artifacts.LEXICON_FILE)))
    analyzer = build_analyzer(load_config(run_dir / "config.toml").tokenize)
    paragraphs = read_run_csv(run_dir / "paragraphs.csv", ("doc_id", "status", "dominant_theme", "text"))
    kept = paragraphs[paragraphs["status"] == "kept"].reset_index(drop=True)
    words = [dict(analyzer(str(text))) for text in kept["text"]]  # token -> surface, per paragraph
    seeded = {token for seeds in lexicon.themes.values() for seed in seeds for token, _ in analyzer(seed)}
    all_count = Counter(token for tokens in words for token in tokens)
    surface = {token: word for tokens in words for token, word in tokens.items()}
    candidates = _candidates(kept, words, all_count, seeded)
    shape = term_shapes({surface[t] for ranked in candidates.values() for t, _ in ranked}, kept["text"])
    result = []
    for name, seeds in lexicon.themes.items():
        ranked = [(t, n) for t, n in candidates.get(name, []) if not shape.get(surface[t])][:SEEDS_PER_THEME]
        added = [SeedSuggestion(surface[t], n, all_count[t], _example(kept, words, t, name)) for t, n in ranked]
        result.append(ThemeSuggestion(name, lexicon.descriptions.get(name, ""), seeds, added))
    return result + _new_themes(run_dir, kept, words, all_count, seeded, set(lexicon.themes))


def _candidates(
    kept: pd.DataFrame, words: list[dict[str, str]], all_count: Counter[str], seeded: set[str]
) -> dict[str, list[tuple[str, int]]]:
    """Per theme: words concentrated in its paragraphs, most paragraphs first (ties by word)."""
    by_theme: dict[str, Counter[str]] = {}
    for theme, tokens in zip(kept["dominant_theme"], words):
        by_theme.setdefault(str(theme), Counter()).update(tokens.keys())
    return {
        theme: sorted(
            (
                (t, n)
                for t, n in counts.items()
                if n >= MIN_PARAGRAPHS and n / all_count[t] >= MIN_CONCENTRATION and t not in seeded
            ),
            key=lambda item: (-item[1] * item[1] / all_count[item[0]], item[0]),
        )
        for theme, counts in by_theme.items()
    }


def _new_themes(
    run_dir: Path,
    kept: pd.DataFrame,
    words: list[dict[str, str]],
    all_count: Counter[str],
    seeded: set[str],
    taken: set[str],
) -> list[ThemeSuggestion]:
    path = run_dir / "uncovered_topics.csv"
    if not path.is_file():
        raise InputError(f"{path}: missing; the run predates the lexicon audit: run it again with this version")
    topics = read_run_csv(path, ("topic", "share", "top_terms"))
    if topics.empty:
        return []
    topics = read_run_csv(path, ("topic", "share", "top_terms"), numeric=("share",))
    texts = kept["text"].astype(str).str.lower()
    result = []
    for row in topics.itertuples():
        if row.share < MIN_TOPIC_SHARE:
            continue
        terms = [cell.rsplit(":", 1)[0] for cell in str(row.top_terms).split("; ") if cell]
        shape = term_shapes({t.replace(" ", "_") for t in terms}, kept["text"])
        terms = [t for t in terms if not shape.get(t.replace(" ", "_")) and t not in seeded][:SEEDS_PER_NEW_THEME]
        if not terms:
            continue
        name = _theme_name(int(row.topic), terms[0], taken)
        taken.add(name)
        holding = [texts.str.contains(rf"\b{re.escape(t)}\b", regex=True) for t in terms]
        seeds = [SeedSuggestion(t, int(h.sum()), int(h.sum()), "") for t, h in zip(terms, holding)]
        hits = sum(h.astype(int) for h in holding)
        examples = tuple(_excerpt(kept, i) for i in _from_distinct_documents(kept, hits))
        result.append(ThemeSuggestion(name, "", [], seeds, int(row.topic), float(row.share), examples))
    return result


def _from_distinct_documents(kept: pd.DataFrame, hits: pd.Series) -> list[int]:
    """The paragraphs holding most of the seeds, one per document (two paragraphs of one post say less)."""
    chosen, documents = [], set()
    for i in hits[hits > 0].sort_values(ascending=False, kind="stable").index:
        if kept.at[i, "doc_id"] not in documents:
            chosen.append(i)
            documents.add(kept.at[i, "doc_id"])
        if len(chosen) == EXAMPLES:
            break
    return chosen


def _theme_name(topic: int, word: str, taken: set[str]) -> str:
    name = f"topic_{topic}_" + re.sub(r"[^a-z0-9]+", "_", word.lower()).strip("_")
    while name in taken or name in RESERVED_NAMES:
        name += "_new"
    return name


def _example(kept: pd.DataFrame, words: list[dict[str, str]], token: str, theme: str) -> str:
    for i, (dominant, tokens) in enumerate(zip(kept["dominant_theme"], words)):
        if dominant == theme and token in tokens:
            return _excerpt(kept, i)
    return ""


def _excerpt(kept: pd.DataFrame, i: int) -> str:
    text = " ".join(str(kept.at[i, "text"]).split())
    text = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
    return one_line(f"{kept.at[i, 'doc_id']}: {text}")


def lexicon_toml(suggestions: list[ThemeSuggestion], run_dir: Path) -> str:
    """The suggestions as a lexicon file: the run's seeds, then the proposed ones, each with its counts."""
    lines = [
        f"# Lexicon suggested by `themes lexicon suggest` from the run {one_line(str(run_dir))}.",
        "# Edit it before use: delete proposed seeds that are not about their theme, rename or delete the new",
        "# topic_* themes (their seeds are the top terms of a topic no theme's seeds reached), then run again:",
        '#   themes run --set lexicon.path="THIS_FILE"    (the stage cache reuses every stage before the labels)',
        '# Counts "12/14": the word is in 14 kept paragraphs, 12 of them dominated by the theme.',
    ]
    for theme in suggestions:
        lines += ["", f"[themes.{theme.name}]"]
        if theme.topic is not None:
            lines.append(f"# new: topic {theme.topic}, {theme.share:.1%} of the corpus; paragraphs holding each word")
            lines += [f"# e.g. {example}" for example in theme.examples]
        if theme.description:
            lines.append(f"description = {json.dumps(theme.description, ensure_ascii=False)}")
        lines.append("seeds = [")
        lines += [f"    {_string(seed)}," for seed in theme.seeds]
        if theme.added and theme.topic is None:
            lines.append("    # proposed: words concentrated in the paragraphs this theme dominates")
        elif theme.topic is None:
            lines.append("    # nothing to propose: no word is concentrated enough in this theme's paragraphs")
        for seed in theme.added:
            counts = f"{seed.in_theme}/{seed.paragraphs}" if theme.topic is None else f"{seed.paragraphs}"
            lines.append(f"    {_string(seed.term)},  # {counts}" + (f"; e.g. {seed.example}" if seed.example else ""))
        lines.append("]")
    return "\n".join(lines) + "\n"


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def write_suggestions(run_dir: Path, out: Path | None = None) -> tuple[Path, list[ThemeSuggestion]]:
    """Write the suggested lexicon (default RUN_DIR/lexicon-suggested.toml, then listed in its manifest)."""
    if not (run_dir / "manifest.json").is_file():
        raise InputError(f"{run_dir}: not a run folder (no manifest.json)")
    suggestions = suggest(run_dir)
    path = out or run_dir / SUGGESTED_FILE
    artifacts.write_text_atomic(path, lexicon_toml(suggestions, run_dir))
    load_lexicon(LexiconConfig(path=str(path)))  # what we wrote must load, or the user is handed a broken file
    if out is None:
        update_output_hashes(run_dir, [SUGGESTED_FILE], owned_prefix=SUGGESTED_FILE)
    return path, suggestions
