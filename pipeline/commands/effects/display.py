"""What `themes effects` prints: per formula, every term but the intercept with its interval, per theme."""

from __future__ import annotations

from rich.table import Table

from pipeline.commands.effects import LEVEL, Effects


def effects_report(result: Effects) -> list[Table | str]:
    out: list[Table | str] = []
    percent = int(LEVEL * 100)
    for formula, rows in result.effects.groupby("formula", sort=False):
        rows = rows[rows["term"] != "Intercept"]
        table = Table(title=f"{formula}: {rows['n_documents'].iloc[0] if len(rows) else 0} documents; estimate "
                      f"(change in share, points) [{percent}% interval], p", title_justify="left")
        for name in ("theme", "term", "estimate", f"{percent}% interval", "sampling only", "p"):
            table.add_column(name, justify="left" if name in ("theme", "term") else "right", overflow="fold")
        for row in rows.itertuples():
            table.add_row(row.theme, row.term, f"{100 * row.estimate:+.2f}",
                          f"[{100 * row.lower:+.2f}, {100 * row.upper:+.2f}]",
                          f"[{100 * row.lower_sampling:+.2f}, {100 * row.upper_sampling:+.2f}]", f"{row.p:.3g}")
        out.append(table)
        missing = result.notes["missing"].get(formula, 0)
        if missing:
            out.append(f"{missing} document(s) left out of {formula}: a covariate it names is missing for them")
    empty = result.notes["documents_without_paragraphs"]
    if empty:
        out.append(f"{empty} document(s) without kept paragraphs left out: they have no shares to explain")
    if not result.notes["seeds"]:
        out.append("single-seed run: measurement uncertainty comes from paragraph resampling only "
                   "(model.seeds > 1 adds the seed replicates)")
    return out
