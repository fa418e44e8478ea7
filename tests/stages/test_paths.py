"""pipeline/stages/paths.py: input paths resolved as Path.resolve resolves them, each folder once."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.stages.paths import resolved_paths


def test_resolved_paths_are_path_resolve_through_links_of_every_kind(tmp_path, monkeypatch):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f.txt").write_text("x")
    (tmp_path / "g.txt").write_text("y")
    os.symlink(tmp_path / "a" / "b", tmp_path / "linked")  # a linked folder
    os.symlink("a/b/f.txt", tmp_path / "relative.txt")  # a relative link
    os.symlink("../g.txt", tmp_path / "a" / "up.txt")  # a link out of its folder
    os.symlink(tmp_path / "relative.txt", tmp_path / "chain.txt")  # a link to a link
    os.symlink("linked/../g.txt", tmp_path / "through.txt")  # ".." after a linked folder: a/g.txt, as realpath says
    (tmp_path / "a" / "g.txt").write_text("z")
    monkeypatch.chdir(tmp_path / "a")
    paths = [
        tmp_path / "a" / "b" / "f.txt", tmp_path / "linked" / "f.txt", tmp_path / "relative.txt",
        tmp_path / "a" / "up.txt", tmp_path / "chain.txt", tmp_path / "through.txt", tmp_path / "a" / ".." / "g.txt",
        Path("b/f.txt"), Path("../g.txt"),
    ]
    assert resolved_paths(paths) == [str(p.resolve()) for p in paths]
