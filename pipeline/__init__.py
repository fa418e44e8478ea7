"""theme-pipeline: turn a folder of documents into a reproducible, evidence-backed theme analysis."""

from importlib import metadata

try:
    __version__ = metadata.version("theme-pipeline")
except metadata.PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
