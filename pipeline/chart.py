"""sweep.svg: one small panel per metric against K, written by hand so the same table gives the same bytes."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

PANEL_W, PANEL_H, COLUMNS = 260, 180, 4
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 28, 30
BETTER = {"perplexity": "lower is better", "score": "recommendation score"}


def sweep_svg(table: pd.DataFrame, metrics: list[str]) -> str:
    """Per metric: each fit as a grey dot, the mean over seeds per K as a line, the recommended K dashed."""
    panels = [m for m in (*metrics, "score") if table[m].notna().any()]
    fits, per_k = table[table["kind"] == "fit"], table[table["kind"] == "k"]
    recommended = int(per_k.loc[per_k["recommended"], "k"].iloc[0])
    rows = (len(panels) + COLUMNS - 1) // COLUMNS
    width, height = COLUMNS * PANEL_W, rows * PANEL_H + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="8" y="16" font-size="13">Topic-count sweep: mean over seeds per K (line), each fit (dots), '
        f"each K's selected restart (ring); recommended K={recommended} (dashed)</text>",
    ]
    for i, metric in enumerate(panels):
        x0, y0 = (i % COLUMNS) * PANEL_W, 24 + (i // COLUMNS) * PANEL_H
        parts.append(_panel(metric, fits, per_k, recommended, x0, y0))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(metric: str, fits: pd.DataFrame, per_k: pd.DataFrame, recommended: int, x0: float, y0: float) -> str:
    ks = per_k["k"].to_numpy(dtype=float)
    values = np.concatenate([fits[metric].dropna().to_numpy(dtype=float), per_k[metric].dropna().to_numpy(dtype=float)])
    low, high = float(values.min()), float(values.max())
    pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
    low, high = low - pad, high + pad
    k_low, k_high = ks.min() - 0.5, ks.max() + 0.5
    plot_w, plot_h = PANEL_W - LEFT - RIGHT, PANEL_H - TOP - BOTTOM

    def x(k: float) -> float:
        return x0 + LEFT + (k - k_low) / (k_high - k_low) * plot_w

    def y(v: float) -> float:
        return y0 + TOP + (high - v) / (high - low) * plot_h

    title = f"{metric} ({BETTER.get(metric, 'higher is better')})"
    out = [
        f'<g><text x="{x0 + LEFT:.1f}" y="{y0 + 16:.1f}" font-weight="bold">{escape(title)}</text>',
        f'<rect x="{x0 + LEFT:.1f}" y="{y0 + TOP:.1f}" width="{plot_w:.1f}" height="{plot_h:.1f}" '
        'fill="none" stroke="#999"/>',
        f'<text x="{x0 + LEFT - 4:.1f}" y="{y(high - pad) + 4:.1f}" text-anchor="end">{high - pad:.3g}</text>',
        f'<text x="{x0 + LEFT - 4:.1f}" y="{y(low + pad) + 4:.1f}" text-anchor="end">{low + pad:.3g}</text>',
        f'<line x1="{x(recommended):.1f}" y1="{y0 + TOP:.1f}" x2="{x(recommended):.1f}" '
        f'y2="{y0 + TOP + plot_h:.1f}" stroke="#d62728" stroke-dasharray="4 3"/>',
    ]
    step = max(1, int(np.ceil(len(ks) / 12)))
    for k in ks[::step]:
        out.append(f'<text x="{x(k):.1f}" y="{y0 + PANEL_H - 12:.1f}" text-anchor="middle">{int(k)}</text>')
    for _, row in fits.dropna(subset=[metric]).iterrows():
        out.append(f'<circle cx="{x(row["k"]):.1f}" cy="{y(row[metric]):.1f}" r="2" fill="#bbb"/>')
        if row["selected"] and metric != "stability":
            out.append(f'<circle cx="{x(row["k"]):.1f}" cy="{y(row[metric]):.1f}" r="4.5" fill="none" stroke="#ff7f0e"/>')
    means = per_k.dropna(subset=[metric])
    points = " ".join(f"{x(k):.1f},{y(v):.1f}" for k, v in zip(means["k"], means[metric]))
    out.append(f'<polyline points="{points}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>')
    for k, v in zip(means["k"], means[metric]):
        out.append(f'<circle cx="{x(k):.1f}" cy="{y(v):.1f}" r="3" fill="#1f77b4"/>')
    out.append("</g>")
    return "\n".join(out)
