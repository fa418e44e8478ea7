"""pipeline/report/charts.py: well-formed standalone SVG, one mark per value, text escaped, geometry from the data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from pipeline.report.charts import Series, SweepPanel, heatmap, similarity_matrix, stacked_bars, sweep_panels

SVG = "{http://www.w3.org/2000/svg}"
SERIES = [Series("security", "#D55E00"), Series("digital economy", "#009E73"), Series("other", "#BBBBBB")]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert float(root.get("width")) > 0 and float(root.get("height")) > 0
    return root


def rects_with_tips(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_heatmap_has_a_cell_per_value_with_its_value_written():
    values = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    tips = [[f"r{i} c{j}" for j in range(3)] for i in range(2)]
    root = parse(heatmap(["doc a", "doc b"], SERIES, values, tips, "Theme weights"))
    cells = rects_with_tips(root)
    assert [c.find(f"{SVG}title").text for c in cells] == [t for row in tips for t in row]
    assert {"50%", "30%", "20%", "10%", "80%"} <= set(texts(root))
    # The largest value is drawn in its theme's full colour, smaller ones lighter.
    assert cells[5].get("fill") == "#BBBBBB"
    assert cells[0].get("fill") != "#D55E00"


def test_labels_from_documents_are_escaped_and_long_ones_clipped():
    label = '<script>alert("x")</script> & ' + "a very long title " * 5
    svg = heatmap([label], SERIES, np.array([[0.2, 0.3, 0.5]]), [["t"] * 3], "T")
    assert "<script>" not in svg
    root = parse(svg)
    shown = next(t for t in root.iter(f"{SVG}text") if "alert" in "".join(t.itertext()))
    assert shown.text.startswith('<script>alert("x")') and shown.text.endswith("…")
    assert shown.find(f"{SVG}title").text == label  # the whole label as a tooltip


def test_stacked_bar_segments_are_proportional_to_the_shares():
    root = parse(stacked_bars(["all", "doc"], SERIES, np.array([[0.25, 0.75, 0.0], [0.5, 0.25, 0.25]]), "Mix"))
    segments = rects_with_tips(root)
    widths = [float(r.get("width")) for r in segments]
    assert len(segments) == 5  # a zero share draws nothing
    assert widths[1] == 3 * widths[0]
    assert widths[0] + widths[1] == widths[2] + widths[3] + widths[4]  # every bar spans the same width
    assert widths[2] == 2 * widths[3] == 2 * widths[4]
    assert [r.get("fill") for r in segments[2:]] == [s.color for s in SERIES]


def test_similarity_matrix_draws_every_pair():
    matrix = np.array([[1.0, 0.2, 0.6], [0.2, 1.0, 0.4], [0.6, 0.4, 1.0]])
    root = parse(similarity_matrix(["a", "b", "c"], matrix, "Similarity"))
    cells = rects_with_tips(root)
    assert len(cells) == 9
    assert cells[1].find(f"{SVG}title").text == "a ~ b: 0.200"
    assert cells[1].get("fill") == "#FFFFFF"  # the smallest off-diagonal value is white


def test_sweep_panels_mark_the_recommended_k_in_each_panel():
    panels = [
        SweepPanel("c_v", True, [(5, 0.4), (5, 0.42), (10, 0.5)], [(5, 0.41), (10, 0.5)]),
        SweepPanel("perplexity", False, [(5, 900.0), (10, 800.0)], [(5, 900.0), (10, 800.0)]),
    ]
    root = parse(sweep_panels(panels, 10, "Sweep"))
    assert len(list(root.iter(f"{SVG}line"))) == 2
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert "c_v  (↑ better)" in texts(root) and "perplexity  (↓ better)" in texts(root)
    assert "recommended K = 10 (dashed line)" in texts(root)


def test_the_same_numbers_give_the_same_bytes():
    values = np.array([[1 / 3, 2 / 3, 0.0]])
    first = stacked_bars(["d"], SERIES, values, "Mix")
    assert first == stacked_bars(["d"], SERIES, values.copy(), "Mix")
    assert "0.3333" not in first  # coordinates are rounded, so float noise cannot change the bytes
