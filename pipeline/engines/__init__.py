"""Where the stages execute: in this process (the runner, default) or on Apache Spark (`engines/spark`)."""
