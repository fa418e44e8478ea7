"""The lexicon audit's files in a run folder: uncovered_topics.csv and the `lexicon_audit` part of summary.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import InputError
from pipeline.store.frames import format_terms
from pipeline.types import LexiconAudit

UNCOVERED_TOPIC_COLUMNS = ("topic", "share", "seed_mass", "theme", "nearest_theme", "similarity", "top_terms")


def uncovered_topics_table(audit: LexiconAudit, surface: dict[str, str]) -> pd.DataFrame:
    """One row per topic the seeds do not reach, the largest share first (ties by topic number)."""
    rows = [
        {
            "topic": t.topic,
            "share": t.share,
            "seed_mass": t.seed_mass,
            "theme": t.theme,
            "nearest_theme": t.nearest_theme,
            "similarity": t.similarity,
            "top_terms": format_terms(t.top_terms, surface),
        }
        for t in sorted(audit.topics, key=lambda t: (-t.share, t.topic))
        if not t.covered
    ]
    return pd.DataFrame(rows, columns=list(UNCOVERED_TOPIC_COLUMNS))


def audit_summary(audit: LexiconAudit, surface: dict[str, str], n_terms: int = 8) -> dict[str, Any]:
    """The audit's figures as JSON-ready values (rounded, so the file reads well and compares across runs)."""
    return {
        "seed_token_share": round(audit.seed_token_share, 6),
        "evidence_token_share": round(audit.evidence_token_share, 6),
        "seeded_paragraph_share": round(audit.seeded_paragraph_share, 6),
        "uncovered_topic_share": round(audit.uncovered_topic_share, 6),
        "topics": [
            {"topic": t.topic, "share": round(t.share, 6), "seed_mass": round(t.seed_mass, 6), "covered": t.covered}
            for t in audit.topics
        ],
        "uncovered_topics": [
            {
                "topic": t.topic,
                "share": round(t.share, 6),
                "nearest_theme": t.nearest_theme,
                "similarity": round(t.similarity, 6),
                "top_terms": [surface.get(term, term) for term, _ in t.top_terms[:n_terms]],
            }
            for t in sorted(audit.topics, key=lambda t: (-t.share, t.topic))
            if not t.covered
        ],
        "evidence_shapes": {
            theme: {shape: round(share, 6) for shape, share in shares.items()}
            for theme, shares in audit.evidence_shapes.items()
        },
    }


def write_summary(folder: Path, lexicon_audit: dict[str, Any]) -> None:
    """summary.json: the run's figures a reader checks first (for now the lexicon audit)."""
    text = json.dumps({"lexicon_audit": lexicon_audit}, indent=2, ensure_ascii=False) + "\n"
    (folder / "summary.json").write_text(text, encoding="utf-8")


def summary_lines(lexicon_audit: dict[str, Any], shown: int = 5) -> list[str]:
    """The audit as the run's summary prints it: coverage, then the largest uncovered topics."""
    topics, uncovered = lexicon_audit["topics"], lexicon_audit["uncovered_topics"]
    lines = [
        f"lexicon coverage: seeds are {lexicon_audit['seed_token_share']:.1%} of kept tokens, in "
        f"{lexicon_audit['seeded_paragraph_share']:.0%} of kept paragraphs; {len(uncovered)} of {len(topics)} "
        f"topics ({lexicon_audit['uncovered_topic_share']:.0%} of topic mass) reached by no theme's seeds"
    ]
    if uncovered:
        lines.append("uncovered topics (share, top terms, nearest theme and similarity; uncovered_topics.csv):")
        for t in uncovered[:shown]:
            lines.append(
                f"  topic {t['topic']:>3} {t['share']:6.1%}  {', '.join(t['top_terms'][:6])}  "
                f"-> {t['nearest_theme']} {t['similarity']:.2f}"
            )
        if len(uncovered) > shown:
            lines.append(f"  ... {len(uncovered) - shown} more")
    return lines


def read_audit(run_dir: Path) -> dict[str, Any] | None:
    """summary.json's lexicon audit, or None for a run folder written before runs had one."""
    path = run_dir / "summary.json"
    if not path.is_file():
        return None
    try:
        audit = json.loads(path.read_text(encoding="utf-8")).get("lexicon_audit")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
        raise InputError(f"{path}: cannot be read as a JSON object ({exc})") from None
    if not isinstance(audit, dict) or not isinstance(audit.get("uncovered_topics"), list):
        raise InputError(f"{path}: expected a lexicon_audit object with an uncovered_topics list")
    return audit
