"""The Spark session a run uses, built from [spark]; a missing pyspark or Java is a one-line error."""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from typing import Any

from pipeline.config import Config
from pipeline.errors import ConfigError

INSTALL_HINT = 'engine = "spark" needs pyspark: pip install "theme-pipeline[spark]"'
# Arrow batches as large as a partition: a pass reads whole documents, never half of one.
_BATCH_ROWS = "1000000"


def require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None


def java_available() -> bool:
    """A local Spark needs a Java runtime (17 is what CI installs); a Connect client does not."""
    home = os.environ.get("JAVA_HOME")
    return bool((home and os.path.exists(os.path.join(home, "bin", "java"))) or shutil.which("java"))


def spark_session(config: Config) -> Any:
    """The session for `config.spark`: `sc://` masters through Spark Connect, any other master classic."""
    require_pyspark()
    from pyspark.sql import SparkSession

    settings = config.spark
    builder = SparkSession.builder.appName(f"themes-{config.experiment}")
    if settings.master.startswith("sc://"):
        builder = builder.remote(settings.master)
    else:
        if not java_available():
            raise ConfigError(f"spark.master = {settings.master!r} needs Java 17 (set JAVA_HOME or put java on PATH)")
        builder = (
            builder.master(settings.master)
            .config("spark.driver.memory", settings.driver_memory)
            .config("spark.executor.memory", settings.executor_memory)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
        if settings.master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
            # Local workers run this interpreter (its virtual environment has the package), not the first
            # python3 on PATH; on a cluster the nodes' own Python is used.
            builder = builder.config("spark.pyspark.python", sys.executable)
    builder = builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", _BATCH_ROWS)
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    for key, value in settings.settings.items():
        builder = builder.config(key, value)
    # pyspark checks the pandas version on every mapInPandas; the calls used here work with pandas 3.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    session = builder.getOrCreate()
    if not settings.master.startswith("sc://"):
        session.sparkContext.setLogLevel("ERROR")
    return session


def partition_count(spark: Any, config: Config) -> int:
    if config.spark.partitions:
        return config.spark.partitions
    try:
        return 4 * spark.sparkContext.defaultParallelism
    except Exception:  # Spark Connect has no SparkContext: ask the server's setting
        return int(spark.conf.get("spark.sql.shuffle.partitions", "8"))
