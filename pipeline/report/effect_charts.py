"""Charts of `themes effects`: predicted theme shares with their intervals, one small panel per theme.

A numeric covariate is a line with a band (the interval); levels are dots with whiskers. Panels share no axis
scale: themes differ in size, and each panel states its range. Built on charts.py's primitives, deterministic to
the byte like every chart of the report.
"""

from __future__ import annotations

from html import escape

from pipeline.report.charts import GRID, MUTED_INK, Series, _clip, _n, _svg, _text

PANEL_W, PANEL_H, PER_ROW = 250, 150, 3
PLOT = (44, 24, 232, 118)  # left, top, right, bottom of the plotting area within a panel
LEVEL_W = 34  # least room per level: many levels widen the panels (one per row) instead of overprinting


def prevalence_panels(
    series: list[Series], values: list[str], numeric: bool,
    estimate: list[list[float]], lower: list[list[float]], upper: list[list[float]], title: str,
) -> str:
    """One panel per series: its predicted share at each value with the interval (band or whiskers)."""
    left, _, right, _ = PLOT
    panel_w = PANEL_W if numeric else max(PANEL_W, left + (PANEL_W - right) + LEVEL_W * len(values))
    right += panel_w - PANEL_W
    per_row = max(1, PER_ROW * PANEL_W // panel_w)
    rows = (len(series) + per_row - 1) // per_row
    body = [_text(8, 18, title, weight="600")]
    for i, s in enumerate(series):
        x0, y0 = 8 + (i % per_row) * panel_w, 28 + (i // per_row) * PANEL_H
        draw = _band if numeric else _whiskers
        low, high = min(lower[i]), max(upper[i])
        low, high = low - (high - low) * 0.06, high + (high - low) * 0.06  # keep marks off the frame
        body += _panel_frame(s, x0, y0, low, high, right)
        body += draw(s, values, estimate[i], lower[i], upper[i], x0, y0, low, high, right)
    return _svg(16 + min(len(series), per_row) * panel_w, 36 + rows * PANEL_H, body, title)


def _panel_frame(s: Series, x0: float, y0: float, low: float, high: float, right: float) -> list[str]:
    left, top, _, bottom = PLOT
    out = [_text(x0 + left, y0 + 14, _clip(s.label, 34), weight="600", fill=s.color)]
    for value, y in ((high, top), (low, bottom)):
        out.append(f'<line x1="{_n(x0 + left)}" x2="{_n(x0 + right)}" y1="{_n(y0 + y)}" y2="{_n(y0 + y)}" '
                   f'stroke="{GRID}"/>')
        out.append(_text(x0 + left - 4, y0 + y + 4, f"{value:.1%}", anchor="end", fill=MUTED_INK, size=10))
    return out


def _scale(value: float, low: float, high: float, y0: float) -> float:
    _, top, _, bottom = PLOT
    span = (high - low) or 1.0
    return y0 + bottom - (value - low) / span * (bottom - top)


def _band(s, values, estimate, lower, upper, x0, y0, low, high, right) -> list[str]:
    left, _, _, bottom = PLOT
    step = (right - left) / max(len(values) - 1, 1)
    xs = [x0 + left + i * step for i in range(len(values))]
    upper_pts = [f"{_n(x)},{_n(_scale(v, low, high, y0))}" for x, v in zip(xs, upper)]
    lower_pts = [f"{_n(x)},{_n(_scale(v, low, high, y0))}" for x, v in zip(reversed(xs), reversed(lower))]
    line = " ".join(f"{_n(x)},{_n(_scale(v, low, high, y0))}" for x, v in zip(xs, estimate))
    tip = "; ".join(f"{v}: {e:.1%} [{lo:.1%}, {hi:.1%}]" for v, e, lo, hi in zip(values, estimate, lower, upper))
    return [
        f'<polygon points="{" ".join(upper_pts + lower_pts)}" fill="{s.color}" fill-opacity="0.25" stroke="none"/>',
        f'<polyline points="{line}" fill="none" stroke="{s.color}" stroke-width="2">'
        f"<title>{escape(s.label)}: {escape(tip)}</title></polyline>",
        _text(xs[0], y0 + bottom + 14, values[0], anchor="start", fill=MUTED_INK, size=10),
        _text(xs[-1], y0 + bottom + 14, values[-1], anchor="end", fill=MUTED_INK, size=10),
    ]


def _whiskers(s, values, estimate, lower, upper, x0, y0, low, high, right) -> list[str]:
    left, _, _, bottom = PLOT
    step = (right - left) / max(len(values), 1)
    out = []
    for i, (value, e, lo, hi) in enumerate(zip(values, estimate, lower, upper)):
        x = x0 + left + (i + 0.5) * step
        tip = f"{s.label}, {value}: {e:.1%} [{lo:.1%}, {hi:.1%}]"
        out.append(f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{_n(_scale(lo, low, high, y0))}" '
                   f'y2="{_n(_scale(hi, low, high, y0))}" stroke="{s.color}" stroke-width="2"/>')
        out.append(f'<circle cx="{_n(x)}" cy="{_n(_scale(e, low, high, y0))}" r="4" fill="{s.color}">'
                   f"<title>{escape(tip)}</title></circle>")
        out.append(_text(x, y0 + bottom + 14, _clip(value, max(int(step / 6), 3)), anchor="middle",
                         fill=MUTED_INK, size=10, tip=value))
    return out
