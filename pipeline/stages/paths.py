"""Resolved input paths, each folder resolved once: the manifest and the documents name every input file by its
absolute path without symlinks, and `Path.resolve` checks every component of every file again."""

from __future__ import annotations

import os
from pathlib import Path

# Links followed for one file before leaving it to os.path.realpath (which also handles loops).
_MAX_LINKS = 8


def resolved_paths(paths: list[Path]) -> list[str]:
    """str(path.resolve()) of each of these paths (files that exist)."""
    folders: dict[str, str] = {}
    return [str(Path(_real(os.fspath(path), folders, 0))) for path in paths]


def _real(path: str, folders: dict[str, str], links: int) -> str:
    folder, name = os.path.split(path)
    if links > _MAX_LINKS or name in ("", ".", ".."):
        return os.path.realpath(path)
    real_folder = folders.get(folder)
    if real_folder is None:
        real_folder = folders[folder] = os.path.realpath(folder or ".")
    joined = os.path.join(real_folder, name)
    if not os.path.islink(joined):
        return joined
    # As realpath does: the link's target read relative to the folder it is in, and resolved in turn.
    return _real(os.path.join(real_folder, os.readlink(joined)), folders, links + 1)
