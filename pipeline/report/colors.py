"""One colour per theme, the same in every chart of every run, chosen from colour-blind-safe palettes.

The default lexicon's themes have fixed Okabe–Ito colours. Any other theme name is hashed (sha256, so the
answer never depends on PYTHONHASHSEED or on the theme's position in a lexicon) into Paul Tol's "muted"
palette; only when that slot is already taken in the same run does it move to the next free one.
"""

from __future__ import annotations

import hashlib

OTHER_COLOR = "#BBBBBB"
# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision deficiencies.
FIXED_COLORS = {
    "governance": "#0072B2",
    "security": "#D55E00",
    "digital_economy": "#009E73",
    "international_cooperation": "#56B4E9",
    "technology_innovation": "#E69F00",
    "party_leadership": "#CC79A7",
    "public_welfare": "#F0E442",
    "other": OTHER_COLOR,
}
# Paul Tol's "muted" scheme (9 colours), then his "light" scheme for lexicons with even more themes.
MUTED = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499")
LIGHT = ("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00")
# One hue from white for values that belong to no theme (similarity, sweeps).
NEUTRAL = "#0072B2"


def theme_colors(themes: list[str]) -> dict[str, str]:
    """theme -> "#RRGGBB" for every name in `themes`; fixed names keep their colour, others hash to one."""
    colors = {t: FIXED_COLORS[t] for t in themes if t in FIXED_COLORS}
    taken = set(colors.values())
    for theme in sorted(t for t in themes if t not in FIXED_COLORS):
        colors[theme] = _hashed_color(theme, taken)
        taken.add(colors[theme])
    return {t: colors[t] for t in themes}


def _hashed_color(name: str, taken: set[str]) -> str:
    slot = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16)
    probes = [MUTED[(slot + i) % len(MUTED)] for i in range(len(MUTED))]
    probes += [LIGHT[(slot + i) % len(LIGHT)] for i in range(len(LIGHT))]
    # Past 17 custom themes colours repeat; every chart also names its themes in text.
    return next((c for c in probes if c not in taken), probes[0])


def mix(color: str, share: float, base: str = "#FFFFFF") -> str:
    """The colour `share` (0..1) of the way from `base` to `color`: a light tint for small values."""
    share = min(max(share, 0.0), 1.0)
    a, b = _rgb(base), _rgb(color)
    return "#" + "".join(f"{round(x + (y - x) * share):02X}" for x, y in zip(a, b))


def ink_on(fill: str) -> str:
    """Black or white text, whichever contrasts more with `fill` (WCAG relative luminance)."""
    luminance = _luminance(fill)
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#FFFFFF"


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _luminance(color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
