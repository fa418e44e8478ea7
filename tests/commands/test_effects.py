"""`themes effects`: planted trends come back inside their intervals, outputs repeat to the byte, bad formulas stop
with one line (exit 2), and the intervals are calibrated on simulated corpora."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import pipeline
from pipeline.cli import app
from pipeline.commands.effects.simulate import Planted, calibrate, coverage

LABELS = ["security", "economy", "other"]
TREND = 0.004  # planted: security's share rises 0.4 points a year
N_DOCS = 120


def fake_run(folder: Path, *, seeds: int = 0, trend: float = TREND) -> Path:
    """A run folder with only what `themes effects` reads: documents and paragraphs whose security share follows
    `trend` by year, China (CHN) 10 points above the rest, and optional seed replicates."""
    rng = np.random.default_rng(7)
    folder.mkdir(parents=True)
    years = rng.integers(1970, 2025, size=N_DOCS)
    countries = np.array(["CHN", "USA", "FRA", "BRA"])[np.arange(N_DOCS) % 4]
    docs, paragraphs = [], []
    for i, (year, country) in enumerate(zip(years, countries)):
        security = 0.2 + trend * (year - 1997) + 0.1 * (country == "CHN") + rng.normal(0, 0.03)
        rows = []
        for p in range(4):
            s = float(np.clip(security + rng.normal(0, 0.05), 0, 0.8))
            rows.append({"doc_id": f"d{i:03d}", "source": f"/x/{country}_{year}.txt", "paragraph": p, "start": 0,
                         "end": 1, "n_tokens": 20, "status": "kept", "dominant_theme": "security",
                         "security": s, "economy": 0.2, "other": 0.8 - s, "evidence": "", "text": "t"})
        paragraphs += rows
        mean = pd.DataFrame(rows)[LABELS].mean()
        docs.append({"doc_id": f"d{i:03d}", "title": "t", "date": f"{year}-01-01", "source": rows[0]["source"],
                     "n_paragraphs": 4, "n_tokens": 80, **mean.to_dict(), "top_terms": "",
                     "meta_country": country, "meta_corpus": "ungdc"})
    pd.DataFrame(paragraphs).to_csv(folder / "paragraphs.csv", index=False)
    documents = pd.DataFrame(docs)
    documents.to_csv(folder / "documents.csv", index=False)
    (folder / "config.toml").write_text("seed = 42\n", encoding="utf-8")
    if seeds:
        replicates = []
        for seed in range(seeds):
            shift = rng.normal(0, 0.01)
            replicate = documents[["doc_id", *LABELS]].copy()
            replicate["security"] += shift
            replicate["other"] -= shift
            replicates.append(replicate.assign(seed=seed))
        table = pd.concat(replicates)[["doc_id", "seed", *LABELS]]
        table.to_csv(folder / "document_seeds.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return fake_run(tmp_path_factory.mktemp("effects") / "run", seeds=3)


def test_a_planted_trend_and_group_difference_come_back_inside_their_intervals(run_dir):
    result = pipeline.effects(run_dir, ["~ year", '~ I(country == "CHN")'], themes=["security"])
    effects = result["effects"].set_index(["formula", "term"])
    slope = effects.loc[("~ year", "year")]
    # One corpus: a 90% interval may miss; the estimate must still sit within about three standard errors.
    assert abs(slope["estimate"] - TREND) < slope["upper"] - slope["lower"] and slope["p"] < 0.001
    assert slope["n_documents"] == N_DOCS
    china = effects.loc[('~ I(country == "CHN")', 'I(country == "CHN")[T.True]')]
    assert china["lower"] > 0.05 and china["upper"] < 0.25
    # Seeds and paragraphs add measurement uncertainty: the combined interval is the wider.
    assert slope["upper"] - slope["lower"] > slope["upper_sampling"] - slope["lower_sampling"]
    prevalence = result["prevalence"]
    by_year = prevalence[prevalence["covariate"] == "year"]
    assert (by_year["lower"] <= by_year["estimate"]).all() and (by_year["estimate"] <= by_year["upper"]).all()
    assert by_year["estimate"].is_monotonic_increasing
    groups = prevalence[prevalence["covariate"] == "country"]["value"].tolist()
    assert groups == ["3 others (BRA, …)", "CHN"]


def test_outputs_repeat_to_the_byte_and_charts_are_svg(run_dir, tmp_path):
    folders = []
    for name in ("a", "b"):
        result = CliRunner().invoke(app, ["effects", str(run_dir), "--formula", "~ bs(year, df=3) + country",
                                          "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        folders.append(tmp_path / name)
    files = sorted(p.relative_to(folders[0]) for p in folders[0].rglob("*") if p.is_file())
    assert [str(f) for f in files] == ["charts/prevalence-1-country.svg", "charts/prevalence-1-year.svg",
                                       "effects.csv", "prevalence.csv"]
    for name in files:
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name
    effects = pd.read_csv(folders[0] / "effects.csv")
    assert list(effects.columns[:8]) == ["formula", "theme", "term", "estimate", "lower", "upper", "p", "n_documents"]
    assert (folders[0] / "charts/prevalence-1-year.svg").read_text().startswith("<svg")


@pytest.mark.parametrize(
    "formula, message",
    [
        ("~ yeer", "--formula '~ yeer': unknown covariate 'yeer'"),
        ("~ year +", "--formula '~ year +': does not parse"),
        ("~ corpus", "--formula '~ corpus': covariate 'corpus' has 1 value (ungdc)"),
        ('~ I(doc_id == "d001")', "unknown covariate 'doc_id'"),
        ('~ I(title == "t") + year', "covariate 'title' has 1 value"),
        ('~ I(year == 1990)', "rests on"),
        ("security ~ year", "give only the right-hand side"),
    ],
)
def test_bad_formulas_stop_with_one_line_and_exit_2(run_dir, tmp_path, formula, message):
    result = CliRunner().invoke(app, ["effects", str(run_dir), "--formula", formula, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_too_few_documents_per_level_names_the_level(run_dir):
    result = CliRunner().invoke(app, ["effects", str(run_dir), "--formula", "~ country", "--min-documents", "31"])
    assert result.exit_code == 2
    assert "term country[T." in result.output and "rests on 30 document(s)" in result.output


def test_a_single_seed_run_draws_measurement_from_paragraphs_alone(tmp_path):
    run = fake_run(tmp_path / "run")
    result = CliRunner().invoke(app, ["effects", str(run), "--theme", "security"])
    assert result.exit_code == 0, result.output
    assert "single-seed run" in result.output
    assert (run / "effects" / "effects.csv").is_file()


def test_importing_pipeline_leaves_statsmodels_unloaded():
    code = "import sys, pipeline; print('statsmodels' in sys.modules, 'patsy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_intervals_are_calibrated_on_simulated_corpora():
    """A small version of bench/effects.py: 60 corpora with a planted trend, 60 without (seeded, so fixed)."""
    planted = coverage(calibrate(Planted(documents=150), 60, seed=3))
    null = coverage(calibrate(Planted(documents=150, effect=0.0), 60, seed=4))
    assert 0.8 <= planted["covers"] <= 1.0
    # Seeds move the whole corpus; resampling documents alone cannot see it and under-covers.
    assert planted["covers_sampling"] < planted["covers"]
    assert null["excludes_zero"] <= 0.15
    assert null["excludes_zero_sampling"] > null["excludes_zero"]


def test_report_shows_the_effect_charts_after_themes_effects(sample_run, tmp_path):
    run = tmp_path / sample_run.run_dir.name
    shutil.copytree(sample_run.run_dir, run)
    few = CliRunner().invoke(app, ["effects", str(run), "--formula", "~ n_tokens"])
    assert few.exit_code == 2 and "5 documents for 2 coefficients" in few.output
    assert CliRunner().invoke(app, ["effects", str(run), "--formula", "~ n_tokens", "--min-documents", "2"]).exit_code == 0
    result = CliRunner().invoke(app, ["report", str(run)])
    assert result.exit_code == 0, result.output
    html = (run / "report.html").read_text(encoding="utf-8")
    assert '<section id="effects">' in html and "effects/charts/prevalence-1-n_tokens.svg" in html


def test_compare_by_gives_each_group_mean_an_interval(run_dir):
    groups = pipeline.compare(run_dir, by="country")["groups-meta_country"].set_index("group")
    assert list(groups.index) == ["BRA", "CHN", "FRA", "USA"]
    for label in LABELS:
        assert (groups[f"{label}_lo"] <= groups[label] + 1e-9).all()
        assert (groups[label] <= groups[f"{label}_hi"] + 1e-9).all()
    assert (groups["security_hi"] - groups["security_lo"] > 0).all()
    assert groups.loc["CHN", "security_lo"] > groups.loc["USA", "security_hi"]  # planted: 10 points higher
