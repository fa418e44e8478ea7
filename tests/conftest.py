"""Shared fixtures: tiny corpora with known answers, and one pipeline run on the bundled sample for the e2e tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.config_files import load_config
from pipeline.runner import RunResult, run
from pipeline.stages.ingest import first_line_title
from pipeline.types import Document

# Three short articles that share a teaser line (boilerplate across >= 3 documents) and use lexicon vocabulary,
# big enough for a whole run once vectorize.no_below is 1.
TINY_CORPUS = {
    "a_economy.txt": (
        "Digital economy grows fast\n"
        "\n"
        "Release time:Apr 14, 2024 04:59 AM\n"
        "\n"
        "The digital economy grew quickly as industry and enterprise adopted online retail.\n"
        "\n"
        "Investment in manufacturing and e-commerce raised productivity across the market.\n"
        "\n"
        "Read more stories about the internet on our homepage.\n"
    ),
    "b_security.txt": (
        "Network security week opens\n"
        "\n"
        "Network security and data security protect personal information from every cyber attack.\n"
        "\n"
        "Experts warned that risk prevention and encryption guard critical information infrastructure.\n"
        "\n"
        "Read more stories about the internet on our homepage.\n"
    ),
    "c_world.md": (
        " date 2023-03-02 World internet conference meets\n"
        "\n"
        "International cooperation and dialogue among countries build a shared future in cyberspace.\n"
        "\n"
        "The world internet conference in Wuzhen promoted the digital silk road and mutual trust.\n"
        "\n"
        "Read more stories about the internet on our homepage.\n"
    ),
}

# Settings that keep a whole run on TINY_CORPUS small and quick.
TINY_RUN_OVERRIDES = ["vectorize.no_below=1", "vectorize.no_above=1.0", "model.passes=2", "model.iterations=20"]


def write_tiny_corpus(folder: Path) -> Path:
    """TINY_CORPUS written into `folder` (for module-scoped fixtures, which cannot use `write_corpus`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TINY_CORPUS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def toml_string(value: str | Path) -> str:
    """A TOML basic string for `--set key=<this>` (JSON string escapes are valid TOML)."""
    return json.dumps(str(value))


@pytest.fixture
def write_corpus(tmp_path: Path) -> Callable[..., Path]:
    """write_corpus({"name.txt": text, "sub/b.md": text}, folder="corpus") -> folder holding those files."""

    def write(files: dict[str, str | bytes], folder: str = "corpus") -> Path:
        root = tmp_path / folder
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        root.mkdir(parents=True, exist_ok=True)
        return root

    return write


@pytest.fixture
def tiny_corpus() -> dict[str, str]:
    return dict(TINY_CORPUS)


@pytest.fixture
def tiny_corpus_dir(write_corpus, tiny_corpus) -> Path:
    return write_corpus(tiny_corpus, folder="tiny")


@pytest.fixture
def tiny_run_overrides() -> list[str]:
    return list(TINY_RUN_OVERRIDES)


@pytest.fixture
def make_document() -> Callable[..., Document]:
    """make_document(text, doc_id="d0") -> a Document whose title is found the way ingest finds it."""

    def make(text: str, doc_id: str = "d0", title: str | None = None) -> Document:
        return Document(
            doc_id=doc_id,
            title=first_line_title(text) if title is None else title,
            source=f"{doc_id}.txt",
            sha256="",
            text=text,
        )

    return make


@pytest.fixture(scope="session")
def sample_config(tmp_path_factory) -> Config:
    """Default config on the bundled sample, writing into a temporary output folder."""
    output_dir = tmp_path_factory.mktemp("sample-outputs")
    return load_config(None, [f"output_dir={toml_string(output_dir)}"])


@pytest.fixture(scope="session")
def sample_run(sample_config) -> RunResult:
    """One default run on the bundled sample, shared by every end-to-end test."""
    return run(sample_config)
