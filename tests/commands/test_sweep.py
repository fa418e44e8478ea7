"""pipeline/commands/sweep.py and `themes sweep`: the planted K comes back, the table's schema, byte-identical outputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from stages.planted import planted_topic_corpus
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config_files import load_config
from pipeline.errors import ConfigError
from pipeline.commands.recommend import recommend, selected_restarts
from pipeline.commands.sweep import COLUMNS, METRICS, sweep

PLANTED_K = 4
FAST_MODEL = ["model.seeded=false", "model.passes=20", "model.iterations=50"]
OUTPUT_FILES = ("sweep.csv", "recommendation.json", "recommendation.txt", "sweep.svg")


def toml_string(value) -> str:
    return json.dumps(str(value))


def planted_config(tmp_path, *extra: str, output: str = "out"):
    corpus = tmp_path / "planted"
    if not corpus.exists():
        corpus.mkdir()
        for name, text in planted_topic_corpus(PLANTED_K, n_paragraphs=80).items():
            (corpus / name).write_text(text, encoding="utf-8")
    return load_config(
        None,
        [f"ingest.path={toml_string(corpus)}", f"output_dir={toml_string(tmp_path / output)}", *FAST_MODEL, *extra],
    )


@pytest.fixture(scope="module")
def planted_sweep(tmp_path_factory):
    """K = 2..6 with 5 seeds on a 4-topic planted corpus (K = 4 also came back for 7 other draws of the corpus)."""
    return sweep(planted_config(tmp_path_factory.mktemp("sweep"), 'sweep.k="2:6"', "sweep.seeds=5"), n_jobs=1)


def test_the_planted_number_of_topics_is_recommended(planted_sweep):
    result = planted_sweep
    assert result.recommendation.k == PLANTED_K
    assert result.recommendation.reason.startswith(f"K={PLANTED_K}: highest score")
    assert result.recommendation.criteria == ["c_npmi", "stability", "diversity"]


def test_same_command_gives_the_same_bytes_whatever_the_processes(tmp_path):
    settings = ('sweep.k="3:4"', "sweep.seeds=2")
    parallel = sweep(planted_config(tmp_path, *settings, output="parallel"), n_jobs=2)
    serial = sweep(planted_config(tmp_path, *settings, output="serial"), n_jobs=1)
    for name in OUTPUT_FILES:
        assert (parallel.sweep_dir / name).read_bytes() == (serial.sweep_dir / name).read_bytes(), name


def test_sweep_csv_has_a_row_per_fit_and_an_aggregate_per_k(planted_sweep):
    result = planted_sweep
    table = pd.read_csv(result.sweep_dir / "sweep.csv", keep_default_na=False)
    assert list(table.columns) == COLUMNS
    fits, per_k = table[table["kind"] == "fit"], table[table["kind"] == "k"]
    assert sorted(zip(fits["k"], fits["seed"].astype(int))) == [(k, 42 + s) for k in range(2, 7) for s in range(5)]
    assert per_k["k"].tolist() == [2, 3, 4, 5, 6] and (per_k["seed"] == "").all()
    assert per_k["recommended"].tolist() == [k == PLANTED_K for k in range(2, 7)]
    assert not fits["recommended"].any() and (fits["score"] == "").all()
    assert fits.groupby("k")["selected"].sum().tolist() == [1] * 5
    means = fits.groupby("k")[list(METRICS)].mean()
    assert np.allclose(per_k.set_index("k")[list(METRICS)].astype(float), means, atol=1e-7)


def test_sweep_folder_holds_chart_recommendation_config_and_manifest(planted_sweep):
    result = planted_sweep
    folder = result.sweep_dir
    assert folder.parent.name == "sweeps" and folder.name == result.sweep_id
    assert (folder / "sweep.svg").read_text(encoding="utf-8").startswith("<svg")
    recommendation = json.loads((folder / "recommendation.json").read_text(encoding="utf-8"))
    assert recommendation["k"] == PLANTED_K and set(recommendation["scores"]) == {"2", "3", "4", "5", "6"}
    assert result.recommendation.reason in (folder / "recommendation.txt").read_text(encoding="utf-8")
    assert load_config(folder / "config.toml").sweep.k == "2:6"
    assert "sweep.csv" in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".tmp-")]


def test_seeded_k_below_the_themes_is_skipped_and_one_seed_leaves_stability_out(tmp_path):
    themes = '{a = ["rocket"], b = ["apple"], c = ["whale"]}'
    config = planted_config(
        tmp_path, "model.seeded=true", "lexicon.replace=true", f"lexicon.themes={themes}", 'sweep.k="2:4"',
        "sweep.seeds=1",
    )
    result = sweep(config, n_jobs=1)
    assert result.recommendation.skipped_k == [2]
    assert result.table["k"].unique().tolist() == [3, 4]
    assert result.table["stability"].isna().all()
    assert result.recommendation.criteria == ["c_npmi", "diversity"]
    assert "Left out (not computable for every K): stability" in result.recommendation.reason
    assert "skipped K=2" in result.text


def test_every_k_below_the_seeded_themes_is_a_config_error(tmp_path):
    themes = '{a = ["rocket"], b = ["apple"], c = ["whale"]}'
    config = planted_config(tmp_path, "model.seeded=true", "lexicon.replace=true", f"lexicon.themes={themes}",
                            'sweep.k="2"')
    with pytest.raises(ConfigError, match=r'sweep.k = "2": every K is below the 3 seeded themes'):
        sweep(config, n_jobs=1)


def frames(k_values, **metrics):
    """Fit rows (one seed per K, all selected) and the matching K rows for recommend()."""
    k_rows = pd.DataFrame({"k": k_values, **{m: metrics.get(m, [np.nan] * len(k_values)) for m in METRICS}})
    fit_rows = k_rows.assign(seed=1, selected=True)
    return fit_rows, k_rows


def test_recommend_breaks_ties_towards_the_smaller_k():
    fit_rows, k_rows = frames([3, 4, 5], c_npmi=[0.1, 0.3, 0.3], diversity=[1.0, 1.0, 1.0])
    assert recommend(fit_rows, k_rows, ["c_npmi", "diversity"], []).k == 4


def test_recommend_reads_lower_perplexity_as_better():
    fit_rows, k_rows = frames([3, 4, 5], perplexity=[30.0, 10.0, 20.0])
    recommendation = recommend(fit_rows, k_rows, ["perplexity"], [])
    assert recommendation.k == 4 and recommendation.scores == {3: 0.0, 4: 1.0, 5: 0.5}


def test_recommend_uses_the_selected_restart_and_stability_over_seeds():
    k_rows = pd.DataFrame({"k": [3, 4], **{m: [0.0, 0.0] for m in METRICS}}).assign(stability=[0.9, 0.5])
    fit_rows = pd.DataFrame(
        {"k": [3, 3, 4, 4], "seed": [1, 2, 1, 2], "selected": [True, False, False, True],
         **{m: [0.0] * 4 for m in METRICS}}
    ).assign(c_npmi=[0.1, 0.9, 0.9, 0.5])
    assert recommend(fit_rows, k_rows, ["c_npmi"], []).k == 4  # 0.5 (selected) beats 0.1, not 0.9 vs 0.9
    assert recommend(fit_rows, k_rows, ["stability"], []).k == 3


def test_recommend_without_any_computable_criterion_is_a_config_error():
    fit_rows, k_rows = frames([3, 4])
    with pytest.raises(ConfigError, match="sweep.criteria"):
        recommend(fit_rows, k_rows, ["stability"], [])


def test_cli_sweep_prints_the_table_and_the_recommendation(tmp_path):
    config = planted_config(tmp_path)  # writes the corpus
    result = CliRunner().invoke(
        app,
        ["sweep", "--input", config.ingest.path, "--k", "3:4", "--seeds", "2", "--jobs", "1",
         *[arg for o in [f"output_dir={toml_string(tmp_path / 'cli')}", *FAST_MODEL] for arg in ("--set", o)]],
        env={"COLUMNS": "80", "CI": "1"},
    )
    assert result.exit_code == 0, result.output
    assert "recommended K=" in result.output and "c_npmi" in result.output
    folders = list((tmp_path / "cli" / "default" / "sweeps").iterdir())
    assert len(folders) == 1 and f"outputs: {folders[0]}" in result.output


@pytest.mark.parametrize("spec", ["4-16", "1:3", "9:4"])
def test_cli_sweep_rejects_a_bad_k_in_one_line(spec):
    result = CliRunner().invoke(app, ["sweep", "--k", spec], env={"COLUMNS": "80", "CI": "1"})
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f'error: config: sweep.k = "{spec}": expected topic counts like "4:16", "4:16:2" or "5,7,9" (each at least 2)'
    ]


def test_selected_restart_has_the_lowest_perplexity_or_without_one_the_highest_c_npmi():
    fit_rows = pd.DataFrame(
        {"k": [3, 3, 4, 4], "perplexity": [20.0, 10.0, 5.0, 5.0], "c_npmi": [0.1, 0.0, 0.0, 0.3]}
    )
    assert selected_restarts(fit_rows).tolist() == [False, True, True, False]  # a tie goes to the first seed
    assert selected_restarts(fit_rows.assign(perplexity=np.nan)).tolist() == [True, False, False, True]


def test_a_recommendation_at_the_edge_of_the_range_says_so():
    fit_rows, k_rows = frames([4, 5, 6], c_npmi=[0.5, 0.3, 0.1])
    assert recommend(fit_rows, k_rows, ["c_npmi"], []).reason.endswith(
        "K=4 is the smallest K swept: a wider range may score higher"
    )
    fit_rows, k_rows = frames([2, 3], c_npmi=[0.5, 0.3])
    assert "wider range" not in recommend(fit_rows, k_rows, ["c_npmi"], []).reason  # no K below 2
