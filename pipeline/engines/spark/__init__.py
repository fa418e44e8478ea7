"""engine = "spark": the pipeline's stage functions applied per partition on Apache Spark (pyspark optional)."""

from pipeline.engines.spark.run import run_spark

__all__ = ["run_spark"]
