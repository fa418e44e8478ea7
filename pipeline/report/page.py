"""report.html: what the run found, in the issue's order, rendered by Jinja2 with every value HTML-escaped."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from pipeline.store.artifacts import KEPT
from pipeline.config import Config
from pipeline.report.colors import mix, theme_colors
from pipeline.report.figures import (
    build_charts,
    display_name,
    document_label,
    shown_documents,
    theme_periods,
    token_weighted_shares,
)
from pipeline.report.files import CHARTS_DIR, Report, RunArtifacts, top_rows
from pipeline.report.highlight import marked_html, term_spans
from pipeline.stages.tokenize import Analyzer, build_analyzer

UNLABELED = "unlabeled"
QUOTE_CHARS = 1200
MISSING_SHOWN = 12
# The settings that change what a run finds most, shown with their meaning in the summary.
KEY_SETTINGS = (
    "seed", "lexicon.path", "tokenize.normalize", "tokenize.phrases", "vectorize.no_below", "vectorize.no_above",
    "model.num_topics", "model.seeded", "model.passes", "label.method", "label.topic_weight",
    "label.other_threshold", "label.section_context", "label.document_context", "label.learn_iterations",
    "label.expand_iterations",
)
# Why a paragraph was dropped, in words (the reason itself is the paragraph's status in paragraphs.csv).
DROP_REASONS = {
    "title": "page headers repeating the document title",
    "release_time": "“Release time:”, “Source:”, “Editor:” lines",
    "byline": "author and reporter lines, agency datelines",
    "photo_caption": "photo captions",
    "quote_attribution": "quote attribution lines",
    "repeated_across_documents": "lines shared by several documents (teasers, boilerplate)",
    "repeated_in_document": "lines repeated within one document",
    "heading": "headings: short lines without sentence punctuation (still used as context)",
    "pattern": "lines matching clean.extra_patterns",
    "too_short": "paragraphs under segment.min_words",
}


@dataclass(frozen=True)
class Quote:
    html: Markup
    document: str
    paragraph: int
    weight: float
    evidence: list[tuple[str, bool, str]]  # (term, is_seed, contribution)


@dataclass(frozen=True)
class ThemeSection:
    name: str
    label: str
    color: str
    tint: str
    share: float
    n_dominant: int
    n_top_documents: int
    stability: list[tuple[str, str]]
    terms: list[dict[str, Any]]
    quotes: list[Quote]


def build_report(run: RunArtifacts) -> Report:
    """The report of one run: report.html and its charts, from the run's saved tables alone."""
    colors = theme_colors(run.columns)
    charts = build_charts(run, colors)
    html = _template().render(
        s=_summary(run),
        charts={name.removesuffix(".svg"): Markup(svg) for name, svg in charts.items()},
        chart_files=[f"{CHARTS_DIR}/{name}" for name in charts],
        themes=_theme_sections(run, colors),
        topics=_topic_rows(run, colors),
        coverage=_coverage_rows(run, colors),
        audit=run.audit,
        notes=_notes(run),
        sweep_name=run.sweep_name,
        effect_charts=[(f"effects/charts/{name}", Markup(svg)) for name, svg in run.effect_charts.items()],
        legend=[(display_name(c), colors[c]) for c in run.columns],
    )
    return Report(html=html, charts=charts)


@lru_cache(maxsize=1)
def _template():
    env = Environment(
        loader=PackageLoader("pipeline", "report"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = lambda value, digits=0: f"{float(value):.{digits}%}"
    env.filters["thousands"] = lambda value: f"{int(value):,}"
    return env.get_template("template.html.j2")


def _summary(run: RunArtifacts) -> dict[str, Any]:
    manifest, config, paragraphs, documents = run.manifest, run.config, run.paragraphs, run.documents
    dropped = {status: n for status, n in paragraphs.statuses.items() if status != KEPT}
    dates = sorted(d for d in documents["date"] if d)
    stages = {s.get("name"): s for s in manifest.get("stages", []) if isinstance(s, dict)}
    return {
        "run_id": manifest["run_id"],
        "experiment": manifest.get("experiment", config.experiment),
        "created": manifest.get("created_utc", ""),
        "config_hash": str(manifest.get("config_hash", ""))[:12],
        "versions": manifest.get("packages", {}),
        "corpus": config.ingest.path or "the bundled sample corpus",
        "n_documents": len(documents),
        "dates": (dates[0], dates[-1], len(dates)) if dates else None,
        "n_chars": sum(int(i.get("n_chars", 0)) for i in manifest.get("inputs", [])),
        "n_tokens": int(documents["n_tokens"].sum()),
        "n_paragraphs": paragraphs.n_paragraphs,
        "n_kept": paragraphs.statuses.get(KEPT, 0),
        "reasons": [
            (reason, int(n), DROP_REASONS.get(reason, ""))
            for reason, n in sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "vocabulary": stages.get("vectorize", {}).get("vocabulary"),
        "n_themes": len(run.themes),
        "n_topics": len(run.topics),
        "n_labeled": int((run.topics["theme"] != UNLABELED).sum()),
        "settings": [(key, *_setting(config, key)) for key in KEY_SETTINGS],
    }


def _setting(config: Config, key: str) -> tuple[str, str]:
    """(value as written in TOML, the field's description) for a dotted config key."""
    *sections, name = key.split(".")
    node: Any = config
    for part in sections:
        node = getattr(node, part)
    value = getattr(node, name)
    shown = str(value).lower() if isinstance(value, bool) else '""' if value == "" else str(value)
    return shown, type(node).model_fields[name].description or ""


def _theme_sections(run: RunArtifacts, colors: dict[str, str]) -> list[ThemeSection]:
    analyzer = build_analyzer(run.config.tokenize)
    shares = dict(zip(run.columns, token_weighted_shares(run.documents, run.columns)))
    top_of_document = [run.columns[i] for i in np.argmax(run.documents[run.columns].to_numpy(dtype=float), axis=1)]
    titles = {row["doc_id"]: document_label(row) for _, row in run.documents.iterrows()}
    report = run.config.report
    sections = []
    for theme in run.themes:
        terms = run.theme_terms[run.theme_terms["theme"] == theme]
        sections.append(
            ThemeSection(
                name=theme,
                label=display_name(theme),
                color=colors[theme],
                tint=mix(colors[theme], 0.35),
                share=float(shares[theme]),
                n_dominant=run.paragraphs.dominant.get(theme, 0),
                n_top_documents=top_of_document.count(theme),
                stability=_stability(run, theme),
                terms=_top_terms(terms, report.terms_per_theme),
                quotes=_quotes(
                    run.paragraphs.heaviest, theme, list(terms["term"]), analyzer, titles, report.paragraphs_per_theme
                ),
            )
        )
    return sections


def _top_terms(terms: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    """The terms carrying most of the theme's evidence in the corpus: weight x kept paragraphs containing them.
    Seeds found in no kept paragraph are left to the lexicon coverage table."""
    mass = terms["weight"] * terms["paragraphs"]
    ranked = terms.assign(mass=mass)[mass > 0].sort_values("mass", ascending=False, kind="stable")
    return ranked.head(n).to_dict("records")


def _stability(run: RunArtifacts, theme: str) -> list[tuple[str, str]]:
    """Every column of theme_stability.csv for `theme` ("stability" first), or [] when not computed."""
    if run.stability is None:
        return []
    rows = run.stability[run.stability["theme"] == theme]
    if rows.empty:
        return []
    row = rows.iloc[0].drop("theme")
    return [(name, f"{value:.3f}" if isinstance(value, float) else str(value)) for name, value in row.items()]


def _quotes(
    kept: pd.DataFrame, theme: str, terms: list[str], analyzer: Analyzer, titles: dict[str, str], n: int
) -> list[Quote]:
    """The `n` kept paragraphs weighing most on `theme` (earliest first on ties), with the theme's terms and the
    words of the paragraph's own evidence marked."""
    quotes = []
    for _, row in top_rows(kept, theme, n).iterrows():
        text = row["text"]
        evidence = _evidence(row.get("evidence", "")) if row["dominant_theme"] == theme else []
        marked = term_spans(text, [*terms, *(term for term, _, _ in evidence)], analyzer)
        quotes.append(
            Quote(
                html=Markup(marked_html(text, marked, QUOTE_CHARS)),
                document=titles.get(row["doc_id"], row["doc_id"]),
                paragraph=int(row["paragraph"]),
                weight=float(row[theme]),
                evidence=evidence,
            )
        )
    return quotes


def _scored_terms(cell: Any) -> list[tuple[str, str]]:
    """"law:0.137946; rumors*:0.092011" (the CSVs' term lists) -> [("law", "0.137946"), ("rumors*", "0.092011")]."""
    pairs = [item.rpartition(":") for item in str(cell).split("; ")]
    return [(term, score) for term, _, score in pairs if term]


def _evidence(cell: Any) -> list[tuple[str, bool, str]]:
    """paragraphs.csv's evidence -> (term, is_seed, contribution); a seed is marked "*" there."""
    return [(term.removesuffix("*"), term.endswith("*"), score) for term, score in _scored_terms(cell)]


def _topic_rows(run: RunArtifacts, colors: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "topic": int(row["topic"]),
            "theme": display_name(row["theme"]),
            "color": colors.get(row["theme"]),
            "score": float(row["label_score"]),
            "seed_theme": display_name(row["seed_theme"]),
            "terms": [term for term, _ in _scored_terms(row["top_terms"])],
        }
        for _, row in run.topics.iterrows()
    ]


def _coverage_rows(run: RunArtifacts, colors: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for _, row in run.coverage.iterrows():
        missing = [t for t in str(row["missing"]).split("; ") if t]
        rows.append(
            {
                "theme": display_name(row["theme"]),
                "color": colors.get(row["theme"], "#FFFFFF"),
                "n_seeds": int(row["n_seeds"]),
                "n_found": int(row["n_found"]),
                "coverage": float(row["coverage"]),
                "missing_shown": missing[:MISSING_SHOWN],
                "missing_more": missing[MISSING_SHOWN:],
            }
        )
    return rows


def _notes(run: RunArtifacts) -> dict[str, str]:
    """Captions that depend on the data: what was left out of a chart, and why."""
    limit = run.config.report.max_documents
    n = len(run.documents)
    shown = len(shown_documents(run.documents, limit))
    periods = theme_periods(run.documents)
    undated = n - len(periods)
    by = "month" if periods.str.len().eq(7).all() else "year"
    return {
        "documents": f"The {shown} longest of {n} documents (report.max_documents = {limit}); every document is in "
        "documents.csv."
        if shown < n
        else "",
        "time": f"Documents grouped by {by}, weighted by tokens"
        + (f"; {undated} undated document{'s' if undated != 1 else ''} left out." if undated else "."),
    }
