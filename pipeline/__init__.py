"""theme-pipeline: turn a folder of documents into a reproducible, evidence-backed theme analysis."""

from importlib import metadata

try:
    __version__ = metadata.version("theme-pipeline")
except metadata.PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = ["compare", "diff"]


def __getattr__(name: str):
    """`pipeline.compare(...)` and `pipeline.diff(...)`, imported on first use so `import pipeline` stays light."""
    if name == "compare":
        from pipeline.commands.compare import compare

        return compare
    if name == "diff":
        from pipeline.commands.diff import diff

        return diff
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
