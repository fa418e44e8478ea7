"""pipeline/report/colors.py: fixed colours for the default themes, name-hashed ones for the rest, readable ink."""

from __future__ import annotations

from pipeline.config import LexiconConfig
from pipeline.lexicon import load_lexicon
from pipeline.report.colors import FIXED_COLORS, LIGHT, MUTED, OTHER_COLOR, ink_on, mix, theme_colors


def test_default_lexicon_themes_and_other_have_fixed_distinct_colours():
    names = [*load_lexicon(LexiconConfig()).names, "other"]
    colors = theme_colors(names)
    assert colors == {name: FIXED_COLORS[name] for name in names}
    assert len(set(colors.values())) == len(names)
    assert colors["other"] == OTHER_COLOR


def test_a_colour_follows_the_name_not_its_position_or_the_lexicon():
    alone = theme_colors(["ai"])["ai"]
    assert theme_colors(["governance", "ai", "other"])["ai"] == alone
    assert theme_colors(["ai", "security"])["ai"] == alone
    assert theme_colors(["ai", "governance"])["governance"] == FIXED_COLORS["governance"]
    # Pinned: sha256 of the name, never Python's salted hash(), so every process and run agrees.
    assert alone == "#999933"


def test_custom_themes_get_distinct_palette_colours_until_the_palettes_run_out():
    names = [f"theme_{i}" for i in range(len(MUTED) + len(LIGHT))]
    colors = theme_colors(names)
    assert len(set(colors.values())) == len(names)
    assert set(colors.values()) == set(MUTED) | set(LIGHT)
    assert list(colors) == names


def test_mix_goes_from_white_to_the_colour():
    assert mix("#0072B2", 0) == "#FFFFFF"
    assert mix("#0072B2", 1) == "#0072B2"
    assert mix("#000000", 0.5) == "#808080"
    assert mix("#000000", 7) == "#000000"  # clipped


def test_ink_contrasts_with_its_fill():
    assert ink_on("#F0E442") == "#000000"  # yellow
    assert ink_on("#FFFFFF") == "#000000"
    assert ink_on("#332288") == "#FFFFFF"  # indigo
    assert ink_on("#0072B2") == "#FFFFFF"
