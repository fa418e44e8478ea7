"""engine = "spark" settings: the default stays local (and out of local run folders), a missing pyspark or an
unsupported setting is a one-line error before any work. None of these start Spark."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config
from pipeline.config_files import load_config
from pipeline.engines.spark.run import check_supported
from pipeline.engines.spark.session import INSTALL_HINT, require_pyspark
from pipeline.errors import ConfigError


def test_local_is_the_default_and_leaves_local_run_folders_as_they_were():
    config = Config()
    assert config.engine == "local"
    kept = config.to_dict(results_only=True)
    assert "engine" not in kept and "spark" not in kept
    spark = load_config(None, ['engine="spark"']).to_dict(results_only=True)
    assert spark["engine"] == "spark" and spark["spark"]["master"] == "local[2]"


def test_unknown_spark_key_is_refused():
    with pytest.raises(ConfigError, match="spark"):
        load_config(None, ["spark.memory=3"])


def test_missing_pyspark_names_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now raises ImportError
    with pytest.raises(ConfigError, match="theme-pipeline\\[spark\\]"):
        require_pyspark()
    result = CliRunner().invoke(app, ["run", "--set", 'engine="spark"', "--set", f'output_dir="{tmp_path}"'])
    assert result.exit_code == 2
    assert INSTALL_HINT in result.output and "Traceback" not in result.output
    assert not any(tmp_path.iterdir())  # refused before anything was written


@pytest.mark.parametrize("override", ['label.method="hybrid"', "label.expand_iterations=2", "model.seeds=3"])
def test_settings_without_a_spark_aggregation_are_refused(override):
    with pytest.raises(ConfigError, match='engine = "spark"'):
        check_supported(load_config(None, ['engine="spark"', override]))
