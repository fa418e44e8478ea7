"""engine = "spark" on the bundled sample in local mode: the local engine's weights, the same bytes twice,
Parquet in and out. One Spark session serves the module; topic models are kept short (weights do not use them)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config_files import load_config
from pipeline.engines.spark.session import java_available, spark_session
from pipeline.runner import run
from pipeline.stages.ingest import ingest
from tests.conftest import toml_string

pytest.importorskip("pyspark", reason='the Spark tests need pip install "theme-pipeline[spark]"')
pytestmark = pytest.mark.skipif(not java_available(), reason="no Java runtime here: Spark cannot start")

FAST = ['engine="spark"', 'spark.master="local[2]"', "spark.partitions=2", "model.passes=2", "report.enabled=false"]
TABLES = ("paragraphs.csv", "documents.csv")


def spark_config(output_dir, *overrides):
    return load_config(None, [*FAST, f"output_dir={toml_string(output_dir)}", *overrides])


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    session = spark_session(spark_config(tmp_path_factory.mktemp("spark")))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_run(spark, tmp_path_factory):
    return run(spark_config(tmp_path_factory.mktemp("spark-outputs")))


def _scores(cell: str) -> list[str]:
    """The scores of a `term:score; ...` cell, in order."""
    return [item.rsplit(":", 1)[-1] for item in cell.split("; ")] if cell else []


def test_weights_and_tables_are_the_local_engines(spark_run, sample_run):
    for name in TABLES:
        ours = pd.read_csv(spark_run.run_dir / name, keep_default_na=False)
        local = pd.read_csv(sample_run.run_dir / name, keep_default_na=False)
        assert list(ours.columns) == list(local.columns)
        weights = [c for c in local.columns if local[c].dtype.kind == "f"]
        assert (ours[weights] - local[weights]).abs().to_numpy().max() <= 1e-6
        # Same rows in the same order and every other cell the same. The readable form of a term is chosen from its
        # partition's paragraphs (docs/spark.md), so term lists are compared by their scores.
        shown = [c for c in ("evidence", "top_terms") if c in local.columns]
        others = [c for c in local.columns if c not in shown]
        pd.testing.assert_frame_equal(ours[others], local[others])
        for column in shown:
            assert ours[column].map(_scores).tolist() == local[column].map(_scores).tolist()
    assert spark_run.summary["paragraphs"] == sample_run.summary["paragraphs"]
    assert spark_run.summary["drop_reasons"] == sample_run.summary["drop_reasons"]


def test_same_config_same_bytes(spark, spark_run, tmp_path):
    again = run(spark_config(tmp_path))
    for name in (*TABLES, "topics.csv"):
        assert (again.run_dir / name).read_bytes() == (spark_run.run_dir / name).read_bytes(), name


def test_parquet_table_in_partitioned_parquet_out(spark, spark_run, tmp_path):
    documents = ingest(load_config().ingest)
    table = tmp_path / "sample.parquet"
    pd.DataFrame({"id": [d.doc_id for d in documents], "title": [d.title for d in documents],
                  "text": [d.text for d in documents]}).to_parquet(table)
    result = run(spark_config(
        tmp_path / "out", f"ingest.path={toml_string(table)}", 'ingest.id_column="id"', 'ingest.title_column="title"',
        'spark.output_format="parquet"',
    ))
    paragraphs = pd.read_parquet(result.run_dir / "paragraphs.parquet")
    expected = pd.read_csv(spark_run.run_dir / "paragraphs.csv", keep_default_na=False)
    assert list(paragraphs.columns) == list(expected.columns)
    key = ["doc_id", "paragraph"]
    paragraphs = paragraphs.sort_values(key).reset_index(drop=True)
    expected = expected.sort_values(key).reset_index(drop=True)
    assert paragraphs[key].equals(expected[key])
    weights = [c for c in expected.columns if expected[c].dtype.kind == "f"]
    assert (paragraphs[weights] - expected[weights]).abs().to_numpy().max() <= 1e-6
    assert len(pd.read_parquet(result.run_dir / "documents.parquet")) == len(documents)
