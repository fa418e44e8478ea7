"""Inputs read faithfully (issue 17): discovery stays out of outputs and hidden folders, decoding repairs locally,
and every unreadable input is a one-line error naming the file and the cause."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import IngestConfig
from pipeline.stages.decoding import binary_kind, decode_counted
from pipeline.stages.ingest import ingest, input_files

ENV = {"COLUMNS": "80", "CI": "1"}
BODY = (
    "Digital economy report\n\nThe digital economy grew as industry adopted e-commerce and online retail.\n\n"
    "Network security and data security protect personal information from cyber attack.\n"
)
QUICK = [
    "vectorize.no_below=1", "vectorize.no_above=1.0", "model.passes=2", "model.iterations=20", "model.num_topics=2",
    "lexicon.replace=true", 'lexicon.themes.economy=["digital economy", "industry"]',
    'lexicon.themes.security=["network security", "data security"]',
]


def themes(*args: str):
    return CliRunner().invoke(app, list(args), env=ENV)


def run_args(corpus: Path, out: Path, *overrides: str) -> list[str]:
    settings = [f"output_dir={json.dumps(str(out))}", *QUICK, *overrides]
    return ["run", "--input", str(corpus), *[a for s in settings for a in ("--set", s)]]


def first_error(result) -> str:
    return next(line for line in result.output.splitlines() if line.startswith("error: "))


def test_running_twice_on_the_current_folder_does_not_read_the_first_runs_outputs(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "b.txt").write_text(BODY.replace("Digital", "Online"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        result = themes(*run_args(Path("."), Path("outputs")))
        assert result.exit_code == 0, result.output
    for manifest in Path("outputs/default").glob("*/manifest.json"):
        listed = [entry["path"] for entry in json.loads(manifest.read_text(encoding="utf-8"))["input_files"]]
        assert [Path(p).name for p in listed] == ["a.txt", "b.txt"]


def test_hidden_folders_and_the_cache_are_not_read(write_corpus, tmp_path):
    corpus = write_corpus({"a.txt": BODY, ".git/notes.txt": BODY, "out/.cache/x.txt": BODY, "out/r/boiler.txt": BODY})
    files = input_files(IngestConfig(path=str(corpus)), exclude=(corpus / "out",))
    assert [p.name for p in files] == ["a.txt"]
    # a folder the user names is read even when it is inside the output folder
    assert [p.name for p in input_files(IngestConfig(path=str(corpus / "out" / "r")), exclude=(corpus / "out",))] == [
        "boiler.txt"
    ]


def test_one_invalid_byte_is_replaced_alone_and_counted(write_corpus):
    corpus = write_corpus({"a.txt": "café au lait\n\nune crème brûlée \xff et un thé\n".encode("utf-8").replace(
        b"\xc3\xbf", b"\xff")})
    with pytest.warns(UserWarning, match=r"1 byte\(s\) not valid UTF-8, each replaced by U\+FFFD \(first on line 3\)"):
        (doc,) = ingest(IngestConfig(path=str(corpus)))
    assert doc.encoding == "utf-8" and "café" in doc.text and "brûlée \ufffd et" in doc.text


def test_mostly_invalid_utf8_is_still_read_as_cp1252():
    decoded = decode_counted("café crème résumé".encode("cp1252"))
    assert (decoded.text, decoded.encoding, decoded.invalid_bytes) == ("café crème résumé", "cp1252", 0)


def test_a_nul_byte_is_removed_and_counted_not_the_whole_document(write_corpus):
    corpus = write_corpus({"a.txt": ("word " * 6000).encode() + b"\x00" + b"end of text.\n"})
    with pytest.warns(UserWarning, match=r"1 NUL byte\(s\) removed"):
        (doc,) = ingest(IngestConfig(path=str(corpus)))
    assert "\x00" not in doc.text and doc.text.endswith("end of text.\n")


def test_binary_data_and_unmarked_utf16_are_still_skipped():
    assert binary_kind(b"abc\x00def\x00" * 10).startswith("binary data (NUL bytes")
    assert binary_kind("Hello world, some text.".encode("utf-16-le")).startswith("UTF-16-LE text without a byte-order")


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (b"%PDF-1.4 ...", "PDF document, not text; skipped"),
        ("Plain text in UTF-16.\n".encode("utf-16-le"), "UTF-16-LE text without a byte-order mark"),
    ],
)
def test_a_single_unreadable_file_is_one_error_line_naming_it_and_why(tmp_path, data, cause):
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    result = themes(*run_args(path, tmp_path / "out"))
    assert result.exit_code == 1
    assert first_error(result).startswith(f"error: ingest.path: none of the 1 input file(s) holds text to analyse: {path}")
    assert cause in first_error(result) and "Traceback" not in result.output


def test_a_file_that_cannot_be_read_is_one_error_line(write_corpus, tmp_path, monkeypatch):
    corpus = write_corpus({"a.txt": BODY, "b.txt": BODY})
    real_open = Path.open

    def refuse(self, *args, **kwargs):  # root reads any file, so permission is denied here instead
        if self.name == "b.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    monkeypatch.setattr(Path, "read_bytes", lambda self: refuse(self, "rb").read())
    result = themes(*run_args(corpus, tmp_path / "out"))
    assert result.exit_code == 1
    assert first_error(result) == f"error: {corpus / 'b.txt'}: cannot read (Permission denied)"


def test_a_folder_that_cannot_be_listed_is_named(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", refuse)
    result = themes(*run_args(corpus, tmp_path / "out"))
    assert result.exit_code == 1
    assert first_error(result) == f"error: ingest.path: cannot list folder {corpus} (permission denied)"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_an_unreadable_sub_folder_is_a_warning(write_corpus):
    corpus = write_corpus({"a.txt": BODY, "locked/b.txt": BODY})
    (corpus / "locked").chmod(0)
    try:
        with pytest.warns(UserWarning, match="cannot list folder"):
            assert [p.name for p in input_files(IngestConfig(path=str(corpus)))] == ["a.txt"]
    finally:
        (corpus / "locked").chmod(0o755)


def test_ids_keep_unicode_letters_and_never_collide(write_corpus):
    corpus = write_corpus({
        "économie.txt": BODY, "a b.txt": BODY + "1", "a_b.txt": BODY + "2", "a?b.txt": BODY + "3", "a_b-2.txt": BODY + "4",
    })
    with pytest.warns(UserWarning) as caught:
        documents = ingest(IngestConfig(path=str(corpus)))
    ids = {Path(d.source).name: d.doc_id for d in documents}
    assert ids["économie.txt"] == "économie"
    assert len(set(ids.values())) == len(ids) and ids["a_b-2.txt"] == "a_b-2"
    assert ids["a_b.txt"] == "a_b" and {ids["a b.txt"], ids["a?b.txt"]} == {"a_b-3", "a_b-4"}
    messages = [str(w.message) for w in caught]
    assert any(m.endswith("id 'a b' is doc_id 'a_b' in the outputs (characters not allowed in an id became _; "
                          "`source` maps it back)") for m in messages)
    assert sum("another document has the same id" in m for m in messages) == 2


def test_renamed_ids_are_warned_on_the_command_line(write_corpus, tmp_path):
    corpus = write_corpus({"a b.txt": BODY, "c.txt": BODY.replace("Digital", "Online")})
    result = themes(*run_args(corpus, tmp_path / "out"))
    assert result.exit_code == 0, result.output
    first = next(line for line in result.output.splitlines() if line.startswith("warning: "))
    assert first == f"warning: {corpus / 'a b.txt'}: id 'a b' is doc_id 'a_b' in the outputs (characters not " \
        "allowed in an id became _; `source` maps it back)"
