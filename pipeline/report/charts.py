"""Hand-written SVG charts: plain text, deterministic to the byte, no dependency, and small enough to inline.

Each function takes ready numbers and labels (see figures.py for where they come from) and returns one
standalone SVG document, the same text that report.html embeds and charts/*.svg holds. Every value is also
written as text or as a tooltip (<title>), so no reading depends on telling colours apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np

from pipeline.report.colors import NEUTRAL, OTHER_COLOR, ink_on, mix

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
CHAR_W = 6.6  # mean width of a 12 px character: enough to lay out labels without measuring fonts
INK = "#222222"
MUTED_INK = "#666666"
GRID = "#DDDDDD"
HIGHLIGHT = "#E69F00"


@dataclass(frozen=True)
class Series:
    """One labelled colour: a theme (or any category) as charts draw it."""

    label: str
    color: str


@dataclass(frozen=True)
class SweepPanel:
    """One metric of a sweep: each fit as (k, value) and the per-K aggregate as the line through them."""

    metric: str
    higher_is_better: bool
    fits: list[tuple[float, float]]
    trend: list[tuple[float, float]]


def heatmap(rows: list[str], series: list[Series], values: np.ndarray, tips: list[list[str]], title: str) -> str:
    """rows x series table of shares (0..1): each cell tinted in its column's colour, its value written in it."""
    label_w = _label_width(rows)
    col_w, row_h, header_h = 92, 24, 46
    vmax = float(values.max()) if values.size and values.max() > 0 else 1.0
    body = []
    for j, s in enumerate(series):
        x = label_w + j * col_w
        body.append(_rect(x + 2, 4, col_w - 4, 6, s.color))
        body.append(_lines(x + col_w / 2, 24, _two_lines(s.label), anchor="middle", weight="600"))
    for i, row in enumerate(rows):
        y = header_h + i * row_h
        body.append(_text(label_w - 8, y + 16, _clip(row, 44), anchor="end", tip=row))
        for j, s in enumerate(series):
            fill = mix(s.color, values[i, j] / vmax)
            x = label_w + j * col_w
            body.append(_rect(x + 1, y + 1, col_w - 2, row_h - 2, fill, tip=tips[i][j]))
            value = f"{values[i, j]:.0%}"
            body.append(_text(x + col_w / 2, y + 16, value, anchor="middle", fill=ink_on(fill), size=11))
    width = label_w + len(series) * col_w + 8
    return _svg(width, header_h + len(rows) * row_h + 8, body, title)


def stacked_bars(rows: list[str], series: list[Series], shares: np.ndarray, title: str, bold_rows: int = 0) -> str:
    """One 100% bar per row, segments in series order; the first `bold_rows` rows are totals, set apart."""
    label_w, bar_w, row_h = _label_width(rows), 600, 24
    legend, legend_h = _legend(series, label_w + bar_w, top=4)
    body = list(legend)
    for i, row in enumerate(rows):
        y = legend_h + 8 + i * row_h + (8 if bold_rows and i >= bold_rows else 0)
        weight = "600" if i < bold_rows else None
        body.append(_text(label_w - 8, y + 15, _clip(row, 44), anchor="end", weight=weight, tip=row))
        total = float(shares[i].sum()) or 1.0
        x = float(label_w)
        for s, value in zip(series, shares[i] / total):
            w = value * bar_w
            if w <= 0:
                continue
            body.append(_rect(x, y + 2, w, row_h - 5, s.color, tip=f"{row}: {s.label} {value:.1%}"))
            if w >= 30:
                body.append(_text(x + w / 2, y + 15, f"{value:.0%}", anchor="middle", fill=ink_on(s.color), size=11))
            x += w
    height = legend_h + 8 + len(rows) * row_h + (8 if bold_rows else 0) + 6
    return _svg(label_w + bar_w + 12, height, body, title)


def similarity_matrix(labels: list[str], matrix: np.ndarray, title: str) -> str:
    """Square documents x documents matrix; shading spans the off-diagonal range, so differences show."""
    n = len(labels)
    cell = float(min(40, max(6, 560 // max(n, 1))))
    numbered = [f"{i + 1}. {label}" for i, label in enumerate(labels)]
    label_w = _label_width(numbered)
    off_diagonal = matrix[~np.eye(n, dtype=bool)] if n > 1 else matrix.ravel()
    lo, hi = (float(off_diagonal.min()), float(off_diagonal.max())) if off_diagonal.size else (0.0, 1.0)
    top = 30
    scale = f"shading: white = {lo:.2f} … dark = {hi:.2f} (diagonal: a document with itself)"
    body = [_text(8, 14, scale, size=11)]
    for i in range(n):
        row_y = top + i * cell + cell / 2 + 4
        body.append(_text(label_w - 8, row_y, _clip(numbered[i], 44), anchor="end", tip=labels[i]))
        if cell >= 14:
            body.append(_text(label_w + i * cell + cell / 2, top - 4, str(i + 1), anchor="middle", size=10))
        for j in range(n):
            value = float(matrix[i, j])
            fill = mix(NEUTRAL, (value - lo) / (hi - lo) if hi > lo else 1.0)
            x, y = label_w + j * cell, top + i * cell
            body.append(_rect(x, y, cell - 1, cell - 1, fill, tip=f"{labels[i]} ~ {labels[j]}: {value:.3f}"))
            if cell >= 28:
                shown = f"{value:.2f}"
                body.append(_text(x + cell / 2, y + cell / 2 + 3, shown, anchor="middle", fill=ink_on(fill), size=9))
    return _svg(max(label_w + n * cell, len(scale) * CHAR_W) + 8, top + n * cell + 8, body, title)


def sweep_panels(panels: list[SweepPanel], recommended: float | None, title: str) -> str:
    """Small multiples, one per metric, against the number of topics K; the recommended K marked in each."""
    panel_w, panel_h, per_row = 250, 170, 3
    body = []
    if recommended is not None:
        body.append(_text(8, 16, f"recommended K = {_number(recommended)} (dashed line)", weight="600", fill=INK))
    top = 26 if recommended is not None else 4
    for n, panel in enumerate(panels):
        x0, y0 = 8 + (n % per_row) * panel_w, top + (n // per_row) * panel_h
        body.extend(_sweep_panel(panel, recommended, x0, y0, panel_w - 16, panel_h - 10))
    rows = (len(panels) + per_row - 1) // per_row
    return _svg(8 + min(len(panels), per_row) * panel_w, top + rows * panel_h + 4, body, title)


def _sweep_panel(panel: SweepPanel, recommended: float | None, x0: float, y0: float, w: float, h: float) -> list[str]:
    left, bottom, head = 44, 22, 20
    points = panel.fits + panel.trend
    ks = [k for k, _ in points] + ([recommended] if recommended is not None else [])
    k_lo, k_hi = min(ks), max(ks)
    v_lo, v_hi = min(v for _, v in points), max(v for _, v in points)
    pad = (v_hi - v_lo) * 0.08 or abs(v_hi) * 0.1 or 1.0
    v_lo, v_hi = v_lo - pad, v_hi + pad

    def sx(k: float) -> float:
        return x0 + left + (w - left - 8) * ((k - k_lo) / (k_hi - k_lo) if k_hi > k_lo else 0.5)

    def sy(v: float) -> float:
        return y0 + head + (h - head - bottom) * (1 - (v - v_lo) / (v_hi - v_lo))

    arrow = "↑ better" if panel.higher_is_better else "↓ better"
    out = [_text(x0 + left, y0 + 13, f"{panel.metric}  ({arrow})", weight="600")]
    out.append(f'<rect x="{_n(x0 + left)}" y="{_n(y0 + head)}" width="{_n(w - left - 8)}" '
               f'height="{_n(h - head - bottom)}" fill="none" stroke="{GRID}"/>')
    for v in (v_lo + pad, (v_lo + v_hi) / 2, v_hi - pad):
        out.append(_text(x0 + left - 4, sy(v) + 4, f"{v:.3g}", anchor="end", fill=MUTED_INK, size=10))
    for k in sorted(set(k for k, _ in points)):
        out.append(_text(sx(k), y0 + h - bottom + 14, _number(k), anchor="middle", fill=MUTED_INK, size=10))
    if recommended is not None:
        out.append(f'<line x1="{_n(sx(recommended))}" x2="{_n(sx(recommended))}" y1="{_n(y0 + head)}" '
                   f'y2="{_n(y0 + h - bottom)}" stroke="{HIGHLIGHT}" stroke-width="2" stroke-dasharray="4 3"/>')
    for k, v in panel.fits:
        out.append(f'<circle cx="{_n(sx(k))}" cy="{_n(sy(v))}" r="2.5" fill="{OTHER_COLOR}">'
                   f"<title>{escape(f'K={_number(k)}: {v:.4g}')}</title></circle>")
    if panel.trend:
        path = " ".join(f"{_n(sx(k))},{_n(sy(v))}" for k, v in panel.trend)
        out.append(f'<polyline points="{path}" fill="none" stroke="{NEUTRAL}" stroke-width="2"/>')
        for k, v in panel.trend:
            out.append(f'<circle cx="{_n(sx(k))}" cy="{_n(sy(v))}" r="3.5" fill="{NEUTRAL}">'
                       f"<title>{escape(f'K={_number(k)}: {v:.4g}')}</title></circle>")
    return out


# ------------------------------------------------------------------------------------------------ primitives


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" font-family="{escape(FONT)}" font-size="12" fill="{INK}" '
        f'role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#FFFFFF"/>' + "".join(body) + "</svg>\n"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str | None = None) -> str:
    attrs = f'x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"'
    return f"<rect {attrs}><title>{escape(tip)}</title></rect>" if tip else f"<rect {attrs}/>"


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", weight: str | None = None,
    fill: str | None = None, size: int | None = None, tip: str | None = None,
) -> str:
    attrs = f'x="{_n(x)}" y="{_n(y)}"'
    attrs += f' text-anchor="{anchor}"' if anchor != "start" else ""
    attrs += f' font-weight="{weight}"' if weight else ""
    attrs += f' fill="{fill}"' if fill else ""
    attrs += f' font-size="{size}"' if size else ""
    inner = escape(text) + (f"<title>{escape(tip)}</title>" if tip and tip != text else "")
    return f"<text {attrs}>{inner}</text>"


def _lines(x: float, y: float, lines: list[str], *, anchor: str, weight: str) -> str:
    spans = "".join(
        f'<tspan x="{_n(x)}" dy="{0 if i == 0 else 14}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-weight="{weight}">{spans}</text>'


def _legend(series: list[Series], width: float, top: float) -> tuple[list[str], float]:
    """Swatch + label for each series, flowing left to right and wrapping at `width`; returns (elements, height)."""
    out, x, y = [], 8.0, top
    for s in series:
        item_w = 18 + len(s.label) * CHAR_W + 16
        if x + item_w > width and x > 8:
            x, y = 8.0, y + 20
        out.append(_rect(x, y + 3, 12, 12, s.color))
        out.append(_text(x + 17, y + 13, s.label))
        x += item_w
    return out, y + 20 - top + 4


def _two_lines(label: str) -> list[str]:
    """A column header on at most two lines, split at the space nearest the middle."""
    words = label.split()
    if len(words) < 2:
        return [label]
    cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return [" ".join(words[:cut]), " ".join(words[cut:])]


def _label_width(labels: list[str]) -> float:
    return min(max((len(label) for label in labels), default=4), 44) * CHAR_W + 16


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _n(value: float) -> str:
    """Coordinates with one decimal: enough for a screen, and the same text on every machine."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
