"""`themes compare` and `themes diff` on runs of the sample and tiny corpora (CliRunner and the Python API)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import pipeline
from pipeline.cli import app
from pipeline.config_files import load_config
from pipeline.runner import run

ENV = {"COLUMNS": "100", "CI": "1"}


def invoke(*args) -> object:
    return CliRunner().invoke(app, [str(a) for a in args], env=ENV)


def toml_string(value) -> str:
    return json.dumps(str(value))


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype={"doc_id": str, "title": str, "group": str})


@pytest.fixture(scope="module")
def run_copy(sample_run, tmp_path_factory) -> Path:
    """A copy of the shared sample run, so writing compare/ into it leaves the original untouched."""
    copy = tmp_path_factory.mktemp("compare") / sample_run.run_dir.name
    shutil.copytree(sample_run.run_dir, copy)
    return copy


@pytest.fixture(scope="module")
def documents(run_copy) -> pd.DataFrame:
    return read(run_copy / "documents.csv")


def test_compare_writes_a_symmetric_similarity_named_by_id_and_title(run_copy, documents):
    result = invoke("compare", run_copy)
    assert result.exit_code == 0, result.output
    folder = run_copy / "compare"
    similarity = read(folder / "similarity.csv")
    ids = documents["doc_id"].tolist()
    assert list(similarity.columns) == ["doc_id", "title", *ids]
    assert similarity["doc_id"].tolist() == ids and similarity["title"].tolist() == documents["title"].tolist()
    matrix = similarity[ids].to_numpy()
    assert np.array_equal(matrix, matrix.T)
    assert np.all(np.diag(matrix) == 1.0)
    assert json.loads((folder / "similarity.json").read_text(encoding="utf-8"))["metric"] == "hellinger"
    for doc_id in ids:
        assert doc_id in result.output


def test_nearest_and_distinctive_follow_the_similarity_and_the_mean(run_copy, documents):
    comparison = pipeline.compare(run_copy, metric="cosine", top=2)
    similarity = comparison["similarity"].set_index("doc_id")
    nearest = comparison["nearest"]
    assert list(nearest.columns) == ["doc_id", "title", "rank", "neighbor_id", "neighbor_title", "similarity"]
    for doc_id, rows in nearest.groupby("doc_id"):
        others = similarity.loc[doc_id].drop(["title", doc_id]).astype(float)
        assert rows.sort_values("rank")["neighbor_id"].tolist() == others.sort_values(ascending=False).index[:2].tolist()
    distinctive = comparison["distinctive"]
    themes = [c for c in distinctive["theme"].unique()]
    assert "other" not in themes
    top = distinctive[distinctive["rank"] == 1].set_index("doc_id")
    mean = documents[themes].mean()
    for doc_id, row in documents.set_index("doc_id").iterrows():
        assert top.loc[doc_id, "theme"] == (row[themes] - mean).astype(float).idxmax()


@pytest.mark.parametrize("metric", ["jensen_shannon", "cosine"])
def test_other_metrics_are_symmetric_too(run_copy, metric):
    similarity = pipeline.compare(run_copy, metric=metric)["similarity"]
    matrix = similarity.drop(columns=["doc_id", "title"]).to_numpy()
    assert np.allclose(matrix, matrix.T) and np.all(np.diag(matrix) == 1.0)


def test_pair_cites_paragraphs_whose_offsets_slice_the_source_files(run_copy, documents):
    a, b = documents["doc_id"].iloc[0], documents["doc_id"].iloc[-1]
    result = invoke("compare", run_copy, "--doc", a[:5], "--doc", b, "--top", "2", "--paragraphs", "3", "--min-weight", "0")
    assert result.exit_code == 0, result.output
    folder = run_copy / "compare" / f"{a}-vs-{b}"
    profile, evidence = read(folder / "profile.csv"), read(folder / "evidence.csv")
    assert list(profile.columns) == ["theme", "weight_a", "weight_b", "difference", "corpus_mean", "rank"]
    themes = profile[profile["theme"] != "other"]
    top_two = themes.sort_values("rank")["theme"].head(2).tolist()
    assert top_two == themes.iloc[themes["difference"].abs().argsort()[::-1]]["theme"].head(2).tolist()
    assert set(evidence["theme"]) == set(top_two)
    assert evidence.groupby(["theme", "side"]).size().eq(3).all()
    assert set(evidence["doc_id"]) == {a, b}
    for row in evidence.itertuples():
        source = Path(row.source).read_bytes().decode("utf-8-sig")
        assert source[row.start : row.end] == row.text
        assert row.text[:40].split()[0] in result.output


def test_pair_cites_only_paragraphs_above_the_minimum_weight(run_copy, documents):
    a, b = documents["doc_id"].iloc[1], documents["doc_id"].iloc[2]
    evidence = pipeline.compare(run_copy, docs=(a, b), paragraphs=50, min_weight=0.3)["evidence"]
    assert len(evidence) and (evidence["weight"] >= 0.3).all()
    paragraphs = read(run_copy / "paragraphs.csv")
    for (theme, doc_id), cited in evidence.groupby(["theme", "doc_id"]):
        own = paragraphs[(paragraphs["doc_id"] == doc_id) & (paragraphs["status"] == "kept")]
        assert len(cited) == (own[theme] >= 0.3).sum()


def test_group_by_year_counts_the_documents(run_copy, documents):
    result = invoke("compare", run_copy, "--by", "date:year")
    assert result.exit_code == 0, result.output
    groups = read(run_copy / "compare" / "groups-date-year.csv")
    assert list(groups.columns[:5]) == ["group", "n_documents", "n_documents_empty", "n_paragraphs", "n_tokens"]
    years = documents["date"].str[:4]
    expected = years.value_counts()
    for row in groups.itertuples():
        assert row.n_documents + row.n_documents_empty == expected[row.group]
    labels = [c for c in groups.columns[5:] if not c.endswith(("_lo", "_hi"))]
    assert np.allclose(groups[labels].sum(axis=1), 1.0, atol=1e-6)
    # 90% intervals of each mean where a group has two documents or more; none for a single document.
    for row in groups.to_dict("records"):
        for label in labels:
            if row["n_documents"] >= 2:
                assert float(row[f"{label}_lo"]) <= row[label] <= float(row[f"{label}_hi"]), (row["group"], label)
            else:
                assert row[f"{label}_lo"] == "" and row[f"{label}_hi"] == ""


def test_compare_outputs_are_byte_identical_when_repeated(run_copy, tmp_path):
    for out in ("one", "two"):
        assert invoke("compare", run_copy, "--out", tmp_path / out).exit_code == 0
        assert invoke("compare", run_copy, "--out", tmp_path / out, "--by", "date").exit_code == 0
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == [
        "distinctive.csv", "groups-date.csv", "manifest.json", "nearest.csv", "similarity.csv", "similarity.json"
    ]
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--by", "colour"], 2, "--by colour: not a documents.csv column; group by one of doc_id, title, date, source"),
        (["--by", "title:year"], 2, "--by title:year: values are not dates"),
        (["--doc", "zzz", "--doc", "000"], 1, "--doc zzz: no such doc_id"),
        (["--doc", "0", "--doc", "001"], 1, "--doc 0: matches 5 documents"),
        (["--doc", "000"], 2, "--doc: give exactly two documents (got 1)"),
        (["--doc", "000", "--doc", "000_"], 2, "both name document"),
        (["--doc", "000", "--doc", "001", "--by", "date"], 2, "--doc and --by: give one of them"),
        (["--metric", "euclid"], 2, "--metric 'euclid': expected one of"),
        (["--doc", "000", "--doc", "001", "--min-weight", "2"], 2, "--min-weight 2.0: expected a weight from 0 to 1"),
    ],
)
def test_bad_options_give_one_line_errors(run_copy, args, code, message):
    result = invoke("compare", run_copy, *args)
    assert result.exit_code == code, result.output
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert message in result.output and "Traceback" not in result.output


def test_missing_run_folder_is_one_line(tmp_path):
    result = invoke("compare", tmp_path / "nowhere")
    assert result.exit_code == 1 and "not a run folder" in result.output


# ------------------------------------------------------------------------------------------------------ diff


def test_diff_of_a_run_against_itself_reports_no_change(run_copy, tmp_path):
    result = invoke("diff", run_copy, run_copy, "--out", tmp_path / "diff")
    assert result.exit_code == 0, result.output
    assert "config: identical" in result.output
    documents = read(tmp_path / "diff" / "documents.csv")
    labels = [c for c in documents.columns if c not in ("doc_id", "title", "total_variation")]
    assert documents[[*labels, "total_variation"]].to_numpy().max() == 0
    topics = read(tmp_path / "diff" / "topics.csv")
    assert topics["topic_a"].tolist() == topics["topic_b"].tolist()
    assert topics["similarity"].eq(1.0).all() and topics["same_theme"].all()
    summary = json.loads((tmp_path / "diff" / "summary.json").read_text(encoding="utf-8"))
    assert summary["mean_total_variation"] == 0 and summary["min_topic_similarity"] == 1.0
    assert summary["config_changes"] == {} and read(tmp_path / "diff" / "config.csv").empty
    assert invoke("diff", run_copy, run_copy, "--out", tmp_path / "again").exit_code == 0
    for path in (tmp_path / "diff").iterdir():
        assert path.read_bytes() == (tmp_path / "again" / path.name).read_bytes(), path.name


@pytest.fixture
def tiny_runs(tiny_corpus_dir, tiny_run_overrides, tmp_path) -> tuple[Path, Path]:
    """Two runs of the tiny corpus that differ in their number of topics and their seed."""
    base = [*tiny_run_overrides, f"ingest.path={toml_string(tiny_corpus_dir)}", f"output_dir={toml_string(tmp_path)}"]
    first = run(load_config(None, [*base, "model.num_topics=3"])).run_dir
    second = run(load_config(None, [*base, "model.num_topics=4", "seed=3"])).run_dir
    return first, second


def test_diff_default_folder_and_what_changed(tiny_runs):
    first, second = tiny_runs
    result = invoke("diff", first, second)
    assert result.exit_code == 0, result.output
    folder = second / f"diff-{first.name}"
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.csv", "documents.csv", "manifest.json", "summary.json", "themes.csv", "topics.csv",
    ]
    config = pd.read_csv(folder / "config.csv", dtype=str).set_index("key")
    assert config.loc["model.num_topics"].tolist() == ["3", "4"] and config.loc["seed"].tolist() == ["42", "3"]
    topics = read(folder / "topics.csv")
    assert len(topics) == 4 and topics["topic_a"].eq("").sum() == 1  # B's extra topic, unmatched
    matched = topics[topics["topic_a"] != ""]
    assert sorted(matched["topic_b"].astype(int)) == sorted(set(matched["topic_b"].astype(int)))
    summary = pipeline.diff(first, second).summary
    assert summary["n_topics_a"] == 3 and summary["n_topics_b"] == 4 and summary["n_topics_matched"] == 3
    assert summary["n_documents"] == 3
    assert "model.num_topics 3 -> 4" in result.output


def test_diff_needs_the_saved_models(run_copy, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(run_copy, broken)
    (broken / "models" / "lda.gensim").unlink()
    result = invoke("diff", run_copy, broken, "--out", tmp_path / "d")
    assert result.exit_code == 1 and "lda.gensim: missing" in result.output


def test_report_draws_the_similarity_that_compare_wrote(run_copy):
    assert invoke("compare", run_copy).exit_code == 0
    result = invoke("report", run_copy)
    assert result.exit_code == 0, result.output
    assert (run_copy / "charts" / "similarity.svg").is_file()
