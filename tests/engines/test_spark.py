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

FAST = ['engine="spark"', 'spark.master="local[2]"', "spark.partitions=2", "model.passes=2"]
TABLES = ("paragraphs.csv", "documents.csv")
# Files that do not depend on the topic model: the same bytes as the local engine's.
TOPIC_FREE = (
    *TABLES, "theme_terms.csv", "lexicon_coverage.csv", "lexicon.toml", "models/theme_terms.json",
    "models/boilerplate.txt", "models/dictionary.gensim", "models/phrases.gensim",
)


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


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The local engine on the sample, in a folder of its own (other tests add files to the shared sample run's)."""
    return run(load_config(None, [f"output_dir={toml_string(tmp_path_factory.mktemp('local-outputs'))}"]))


def _files(run_dir) -> list[str]:
    return sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file())


def test_the_run_folder_is_the_local_engines(spark_run, local_run):
    assert _files(spark_run.run_dir) == _files(local_run.run_dir)
    for name in _files(local_run.run_dir):
        if name.endswith(".csv"):
            local = pd.read_csv(local_run.run_dir / name, keep_default_na=False)
            assert list(pd.read_csv(spark_run.run_dir / name, keep_default_na=False).columns) == list(local.columns), name
    # Rows, weights, scores and readable term spellings (chosen over the whole corpus) all as the local engine's.
    for name in TOPIC_FREE:
        assert (spark_run.run_dir / name).read_bytes() == (local_run.run_dir / name).read_bytes(), name
    assert spark_run.summary["paragraphs"] == local_run.summary["paragraphs"]
    assert spark_run.summary["drop_reasons"] == local_run.summary["drop_reasons"]


def test_lexicon_audit_figures_that_need_no_topic_model_are_the_local_engines(spark_run, local_run):
    ours, local = spark_run.summary["lexicon_audit"], local_run.summary["lexicon_audit"]
    assert ours.keys() == local.keys()
    for key in ("seed_token_share", "evidence_token_share", "seeded_paragraph_share", "evidence_shapes"):
        assert ours[key] == local[key], key
    assert len(ours["topics"]) == len(local["topics"])
    assert (spark_run.run_dir / "summary.json").exists() and (spark_run.run_dir / "report.html").stat().st_size > 10_000


def test_themes_infer_weighs_new_text_with_a_spark_run_as_with_the_local_run(spark_run, local_run, tmp_path):
    from pipeline.commands.infer import infer

    new = tmp_path / "new.txt"
    new.write_text("The rule of law and network security protect the digital economy.\n", encoding="utf-8")
    ours, local = (infer(run.run_dir, [str(new)], tmp_path / name) for run, name in ((spark_run, "s"), (local_run, "l")))
    assert ours.paragraphs_kept == local.paragraphs_kept == 1
    assert (ours.out_dir / "paragraphs.csv").read_bytes() == (local.out_dir / "paragraphs.csv").read_bytes()


def test_same_config_same_bytes(spark, spark_run, tmp_path):
    again = run(spark_config(tmp_path))
    for name in (*TOPIC_FREE, "topics.csv", "summary.json", "uncovered_topics.csv", "models/lda.gensim.state"):
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
    # The rest of the folder as a CSV run's; the report from counts made where the paragraphs are.
    as_csv = {n.replace(".csv", ".parquet") if n in TABLES else n for n in _files(spark_run.run_dir)}
    assert {n.split("/part-")[0] for n in _files(result.run_dir) if not n.endswith((".crc", "_SUCCESS"))} == as_csv
    assert "Xi Jinping" in (result.run_dir / "report.html").read_text(encoding="utf-8")


def test_the_readmes_local_spark_command_runs_on_the_sample(spark, tmp_path, monkeypatch):
    import re
    import shlex
    from pathlib import Path

    from typer.testing import CliRunner

    from pipeline.cli import app

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- spark.*?-->(.*?)<!-- /spark -->", readme, re.S)
    assert block, "README.md has no <!-- spark --> block"
    tested = [line.split("  #")[0].strip() for line in block.group(1).splitlines() if "local[" in line]
    assert len(tested) == 1 and tested[0].startswith("themes run")
    monkeypatch.chdir(tmp_path)
    args = [*shlex.split(tested[0])[1:], "--set", "spark.partitions=2", "--set", "model.passes=2"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80", "CI": "1"})
    assert result.exit_code == 0, result.output
    run_dir = Path(re.search(r"outputs: (\S+)", result.output).group(1))
    assert (run_dir / "report.html").exists() and (run_dir / "theme_terms.csv").exists()
