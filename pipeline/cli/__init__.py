"""The `themes` command line: the typer app (app.py) and its commands, one module per group. The CLI holds no logic:
each command parses its options, calls one function and turns a PipelineError into one line and an exit code."""

# Importing the command modules registers their commands on the app, `run` first so `themes --help` lists it first.
from pipeline.cli import run  # noqa: F401  # isort: skip
from pipeline.cli import analysis  # noqa: F401  # isort: skip
from pipeline.cli.app import app, main

__all__ = ["app", "main"]
