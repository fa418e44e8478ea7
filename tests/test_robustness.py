"""Bad input, case by case: each is either processed (skipped or repaired, with a warning and a count in
manifest.json, offsets still slicing the decoded text) or stopped with a one-line error and a non-zero exit."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import CleanConfig, IngestConfig, SegmentConfig
from pipeline.stages.clean import clean
from pipeline.stages.ingest import ingest
from pipeline.stages.segment import segment

ENV = {"COLUMNS": "80", "CI": "1"}
STAGES = ("ingest", "clean", "segment", "tokenize", "vectorize", "model", "label", "weigh", "write")
# Text a tiny run can model: lexicon vocabulary in two paragraphs.
BODY = (
    "Digital economy report\n\nThe digital economy grew as industry adopted e-commerce and online retail.\n\n"
    "Network security and data security protect personal information from cyber attack.\n"
)


# Two themes found in BODY and two topics for its two paragraphs: a clean run warns about nothing.
LEXICON = [
    "lexicon.replace=true",
    'lexicon.themes.economy=["digital economy", "industry"]',
    'lexicon.themes.security=["network security", "data security"]',
]


@pytest.fixture
def themes_run(tmp_path, tiny_run_overrides):
    """themes_run(corpus, *overrides): `themes run` on `corpus` with quick model settings, into tmp_path/out."""

    def invoke(corpus: Path, *overrides: str, lexicon: list[str] = LEXICON):
        quick = [*tiny_run_overrides, "model.num_topics=2", *lexicon]
        settings = [f"output_dir={json.dumps(str(tmp_path / 'out'))}", *quick, *overrides]
        args = ["run", "--input", str(corpus), *[a for s in settings for a in ("--set", s)]]
        return CliRunner().invoke(app, args, env=ENV)

    return invoke


def finished_runs(tmp_path: Path) -> list[Path]:
    experiment = tmp_path / "out" / "default"
    return sorted(p for p in experiment.iterdir() if not p.name.startswith(".")) if experiment.exists() else []


def only_run(tmp_path: Path, result) -> Path:
    assert result.exit_code == 0, result.output
    (run_dir,) = finished_runs(tmp_path)
    return run_dir


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def table(run_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(run_dir / name, keep_default_na=False, dtype={"text": str})


def error_line(result, exit_code: int) -> str:
    """The run stopped with `exit_code`, no traceback, and stderr ends in one `error:` line after stage lines."""
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: "), result.stderr
    assert all(line.startswith(("warning: ", *STAGES)) for line in lines[:-1]), result.stderr
    return lines[-1]


def warning_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("warning: ")]


def assert_paragraphs_slice(run_dir: Path, decoded: dict[str, str]) -> None:
    """Every paragraph's text is decoded_text[start:end] of its document."""
    paragraphs = table(run_dir, "paragraphs.csv")
    assert set(paragraphs["doc_id"]) == set(decoded)
    for row in paragraphs.itertuples():
        assert decoded[row.doc_id][row.start : row.end] == row.text


# --- paths and folders -----------------------------------------------------------------------------------------


def test_missing_path_is_a_one_line_error(tmp_path, themes_run):
    missing = tmp_path / "not-there"
    line = error_line(themes_run(missing), 1)
    assert line == f"error: ingest.path: {missing} does not exist (expected a file, folder or glob)"


def test_empty_folder_is_a_one_line_error(tmp_path, themes_run):
    (tmp_path / "empty").mkdir()
    line = error_line(themes_run(tmp_path / "empty"), 1)
    hint = "(ingest.extensions names the types to read)"
    assert line == f"error: ingest.path: folder {tmp_path / 'empty'} holds no .txt/.md files {hint}"


def test_folder_of_unsupported_files_is_a_one_line_error(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"a.pdf": b"%PDF-1.4", "b.docx": b"PK\x03\x04", "notes.json": "{}"})
    line = error_line(themes_run(corpus), 1)
    hint = "(ingest.extensions names the types to read)"
    assert line == f"error: ingest.path: folder {corpus} holds no .txt/.md files {hint}"


def test_unreadable_file_is_a_one_line_error_naming_it(write_corpus, tmp_path, monkeypatch, themes_run):
    corpus = write_corpus({"a.txt": BODY, "locked.txt": BODY + "x"})
    real_read = Path.read_bytes

    def read_bytes(path):
        if path.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    line = error_line(themes_run(corpus), 1)
    assert line == f"error: {corpus / 'locked.txt'}: cannot read (Permission denied)"


def test_debug_shows_the_traceback_of_an_input_error(tmp_path):
    args = ["run", "--debug", "--input", str(tmp_path / "not-there"), "--set", f"output_dir={json.dumps(str(tmp_path))}"]
    result = CliRunner().invoke(app, args, env=ENV)
    assert result.exit_code == 1
    assert "Traceback" in result.output and "InputError" in result.output
    assert result.stderr.strip().splitlines()[-1].startswith("error: ingest.path:")


# --- files that are skipped ----------------------------------------------------------------------------------


def test_empty_and_white_space_files_are_skipped_with_a_warning(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"a.txt": BODY, "empty.txt": "", "blank.md": " \n\t\r\n  \n"})
    result = themes_run(corpus)
    run_dir = only_run(tmp_path, result)
    assert manifest(run_dir)["skipped"] == {"empty": 2}
    assert warning_lines(result) == [
        f"warning: {corpus / 'blank.md'}: empty or only white space; skipped",
        f"warning: {corpus / 'empty.txt'}: empty or only white space; skipped",
    ]
    assert list(table(run_dir, "documents.csv")["doc_id"]) == ["a"]
    assert "skipped 2 (empty 2)" in result.stdout


def test_only_empty_files_is_a_one_line_error(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"empty.txt": "", "blank.txt": "\n\n"})
    line = error_line(themes_run(corpus), 1)
    assert line.startswith("error: ingest.path: none of the 2 input file(s) holds text to analyse")


def test_binary_files_are_skipped_with_a_warning_naming_the_kind(write_corpus, tmp_path, themes_run):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    corpus = write_corpus({"a.txt": BODY, "photo.txt": png, "data.md": b"abc\x00def\x00" * 10})
    result = themes_run(corpus)
    run_dir = only_run(tmp_path, result)
    assert manifest(run_dir)["skipped"] == {"binary": 2}
    assert f"warning: {corpus / 'photo.txt'}: PNG image, not text; skipped" in warning_lines(result)
    assert any(line.startswith(f"warning: {corpus / 'data.md'}: binary data (NUL bytes") for line in warning_lines(result))
    assert list(table(run_dir, "documents.csv")["doc_id"]) == ["a"]


def test_duplicate_files_are_analysed_once_and_reported_under_each_name(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"a.txt": BODY, "b.txt": BODY, "sub/c.txt": BODY, "d.txt": BODY + "More text here.\n"})
    result = themes_run(corpus)
    run_dir = only_run(tmp_path, result)
    assert manifest(run_dir)["copied"] == {"duplicate": 2}
    assert manifest(run_dir)["skipped"] == {}
    first, note = (corpus / "a.txt").resolve(), "(same sha256); analysed once, reported under both names"
    assert warning_lines(result) == [
        f"warning: {(corpus / 'b.txt').resolve()}: duplicate of {first} {note}",
        f"warning: {(corpus / 'sub' / 'c.txt').resolve()}: duplicate of {first} {note}",
    ]
    assert "copied 2 (duplicate 2)" in result.output
    # Every input file has its row (a labeled data set joins on them); a copy carries its first's results.
    documents = table(run_dir, "documents.csv").set_index("doc_id")
    assert list(documents.index) == ["a", "b", "c", "d"]
    assert list(documents["duplicate_of"]) == ["", "a", "a", ""]
    assert documents.loc["c", "source"] == str((corpus / "sub" / "c.txt").resolve())
    weights = documents.columns[documents.columns.get_loc("n_tokens") + 1 :].drop("top_terms")
    assert (documents.loc[["b", "c"], weights] == documents.loc["a", weights]).all().all()
    paragraphs = table(run_dir, "paragraphs.csv")
    of = {
        doc: group.drop(columns=["doc_id", "source"]).reset_index(drop=True)
        for doc, group in paragraphs.groupby("doc_id")
    }
    pd.testing.assert_frame_equal(of["c"], of["a"])
    assert set(paragraphs.loc[paragraphs.doc_id == "b", "source"]) == {str((corpus / "b.txt").resolve())}


def test_many_warnings_are_summarised_on_screen_but_all_kept_in_the_manifest(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"a.txt": BODY, **{f"img{i}.txt": b"\x89PNG\r\n\x1a\n" for i in range(6)}})
    result = themes_run(corpus)
    run_dir = only_run(tmp_path, result)
    shown = warning_lines(result)
    assert len(shown) == 4
    assert shown[-1] == "warning: ... and 3 more 'binary' warnings (manifest.json lists them all)"
    assert len(manifest(run_dir)["warnings"]) == 6 and manifest(run_dir)["skipped"] == {"binary": 6}


# --- encodings and line endings ------------------------------------------------------------------------------

ENCODED = {
    "utf8.txt": (BODY.replace("digital", "digitál").encode("utf-8"), "utf-8"),
    "bom8.txt": (codecs.BOM_UTF8 + BODY.replace("report", "report — 2024").encode("utf-8"), "utf-8-sig"),
    "utf16.txt": (BODY.replace("report", "report №1").encode("utf-16"), "utf-16"),
    "cp1252.txt": (BODY.replace("report", "report – “quoted” €5").encode("cp1252"), "cp1252"),
    # Latin-1 text is also valid cp1252 (the two agree on every letter), so it decodes to the same text.
    "latin1.txt": (BODY.replace("report", "café naïve").encode("latin-1"), "cp1252"),
    # A byte cp1252 leaves undefined (0x81) makes it Latin-1.
    "c1.txt": (BODY.replace("report", "report \x81").encode("latin-1"), "latin-1"),
}


def test_encodings_are_decoded_and_offsets_slice_the_decoded_text(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({name: data for name, (data, _) in ENCODED.items()})
    result = themes_run(corpus)
    run_dir = only_run(tmp_path, result)
    decoded = {Path(name).stem: data.decode(encoding) for name, (data, encoding) in ENCODED.items()}
    assert decoded["bom8"].startswith("Digital economy report — 2024")  # the BOM is not part of the text
    assert decoded["latin1"].startswith("Digital economy café naïve")
    assert_paragraphs_slice(run_dir, decoded)
    inputs = {Path(i["source"]).name: i for i in manifest(run_dir)["inputs"]}
    assert {name: inputs[name]["encoding"] for name in ENCODED} == {n: e for n, (_, e) in ENCODED.items()}
    assert manifest(run_dir)["repaired"] == {"cp1252": 2, "latin-1": 1}
    assert manifest(run_dir)["skipped"] == {}
    assert f"warning: {corpus / 'c1.txt'}: not UTF-8; decoded as latin-1 (offsets index the decoded text)" in (
        warning_lines(result)
    )
    titles = dict(zip(*table(run_dir, "documents.csv")[["doc_id", "title"]].T.values))
    assert titles["utf16"] == "Digital economy report №1" and titles["cp1252"] == "Digital economy report – “quoted” €5"


def test_crlf_and_lone_cr_line_endings_split_paragraphs_and_keep_offsets(write_corpus, tmp_path, themes_run):
    texts = {"crlf": BODY.replace("\n", "\r\n"), "cr": BODY.replace("\n", "\r"), "lf": BODY}
    corpus = write_corpus({f"{name}.txt": text for name, text in texts.items()})
    run_dir = only_run(tmp_path, themes_run(corpus, "clean.heading=false", "clean.repeated_across_documents=false"))
    paragraphs = table(run_dir, "paragraphs.csv")
    assert_paragraphs_slice(run_dir, texts)
    shapes = {doc: list(group["text"].str.replace("\r\n", "\n").str.replace("\r", "\n")) for doc, group in
              paragraphs.groupby("doc_id")}
    assert shapes["crlf"] == shapes["cr"] == shapes["lf"]  # the same three paragraphs, whatever the line ending
    assert len(shapes["lf"]) == 3


def test_a_50_mb_file_without_line_breaks_is_one_paragraph_with_exact_offsets(write_corpus):
    sentence = "The digital economy and network security grew together across the industry. "
    text = (sentence * (50_000_000 // len(sentence) + 1))[:50_000_000]
    corpus = write_corpus({"long.txt": text})
    (document,) = ingest(IngestConfig(path=str(corpus)))
    assert len(document.text) == 50_000_000 and document.encoding == "utf-8"
    assert len(document.title) == 300  # the first line, cut
    (paragraph,) = segment([document], clean([document], CleanConfig()), SegmentConfig())
    assert (paragraph.start, paragraph.end, paragraph.kept) == (0, len(text.rstrip()), True)
    assert paragraph.text == document.text[paragraph.start : paragraph.end]


def test_a_long_single_line_file_runs_end_to_end(write_corpus, tmp_path, themes_run):
    # The whole run on a line of 2 MB (bench/long_line.py times 50 MB): one paragraph, the text intact in the CSV.
    sentence = "The digital economy and network security grew together across the industry. "
    text = sentence * (2_000_000 // len(sentence))
    corpus = write_corpus({"long.txt": text, "b.txt": BODY})
    run_dir = only_run(tmp_path, themes_run(corpus))
    paragraphs = table(run_dir, "paragraphs.csv")
    long = paragraphs[paragraphs["doc_id"] == "long"]
    assert len(long) == 1 and long["text"].iloc[0] == text.strip()


# --- tables ---------------------------------------------------------------------------------------------------


def test_malformed_jsonl_line_is_a_one_line_error_naming_file_and_line(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"rows.jsonl": '{"text": "One."}\n{"text": "Two.",}\n'})
    line = error_line(themes_run(corpus / "rows.jsonl"), 1)
    assert line.startswith(f"error: {corpus / 'rows.jsonl'}:2: not valid JSON (")


def test_csv_without_the_text_column_is_a_one_line_error_naming_the_column(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"rows.csv": "id,body\n1,Some text.\n"})
    line = error_line(themes_run(corpus / "rows.csv"), 1)
    assert line == f"error: {corpus / 'rows.csv'}:2: no column 'text' (ingest.text_column); columns: body, id"


def test_table_rows_with_empty_text_are_skipped(write_corpus, tmp_path, themes_run):
    rows = [{"text": BODY}, {"text": ""}, {"text": None}, {"text": "  \n"}]
    corpus = write_corpus({"rows.jsonl": "".join(json.dumps(r) + "\n" for r in rows)})
    result = themes_run(corpus / "rows.jsonl")
    run_dir = only_run(tmp_path, result)
    assert manifest(run_dir)["skipped"] == {"empty": 3}
    assert warning_lines(result)[0] == f"warning: {corpus / 'rows.jsonl'}:2: empty text; skipped"


# --- corpus-level cases ---------------------------------------------------------------------------------------


def test_a_document_that_is_all_boilerplate_is_all_other_with_a_warning(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"a.txt": BODY, "boiler.txt": "Boilerplate page\n\nRelease time: 2024-01-02\n\nPhoto by Li\n"})
    result = themes_run(corpus)
    run_dir = only_run(tmp_path, result)
    source = (corpus / "boiler.txt").resolve()
    assert warning_lines(result) == [
        f"warning: {source}: every paragraph was dropped (photo_caption 1, release_time 1, title 1; first, as "
        "title: 'Boilerplate page'); its weights are all 'other'"
    ]
    documents = table(run_dir, "documents.csv").set_index("doc_id")
    assert documents.loc["boiler", "n_paragraphs"] == 0 and documents.loc["boiler", "other"] == 1.0
    assert manifest(run_dir)["warnings"][0]["reason"] == "all_boilerplate"


def test_a_corpus_that_is_all_boilerplate_is_a_one_line_error(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"boiler.txt": "Boilerplate page\n\nRelease time: 2024-01-02\n"})
    line = error_line(themes_run(corpus), 1)
    assert line == (
        "error: no paragraph left to analyse: the cleaning rules dropped all text of the 1 document(s) "
        "(release_time 1, title 1); see the [clean] settings and segment.min_words"
    )


def test_fewer_paragraphs_than_topics_fits_fewer_topics_with_a_warning(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"a.txt": BODY})
    result = themes_run(corpus, "model.num_topics=10", "model.seeded=false")
    run_dir = only_run(tmp_path, result)
    assert "warning: model.num_topics = 10 is more than the 2 paragraph(s) to model; fitting 2 topic(s)" in (
        warning_lines(result)
    )
    assert len(table(run_dir, "topics.csv")) == 2
    assert next(s for s in manifest(run_dir)["stages"] if s["name"] == "model")["topics"] == 2


def test_seeded_topics_are_kept_when_paragraphs_are_fewer(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"a.txt": "Economy\n\nThe digital economy and network security grew.\n"})
    single_words = ["lexicon.replace=true", 'lexicon.themes.economy=["economy"]', 'lexicon.themes.security=["security"]']
    run_dir = only_run(tmp_path, themes_run(corpus, "model.num_topics=10", "model.seeded=true", lexicon=single_words))
    topics = table(run_dir, "topics.csv")  # one paragraph, but each theme whose seeds occur keeps its topic
    assert list(topics["seed_theme"]) == ["economy", "security"]


def test_vocabulary_filters_that_leave_nothing_are_a_one_line_error_naming_them(write_corpus, themes_run):
    text = "Title\n\n" + "".join(f"Alpha beta gamma {i}.\n\n" for i in range(25))
    corpus = write_corpus({"one.txt": text})
    line = error_line(themes_run(corpus, "vectorize.no_below=1", "vectorize.no_above=0.5"), 2)
    assert line == (
        "error: vectorize: the filters drop all 2 terms of the 25 kept paragraph(s) (vectorize.no_below = 1, "
        "vectorize.no_above = 0.5); lower no_below or raise no_above (1.0 keeps terms found in every paragraph)"
    )


def test_a_single_small_document_runs_with_filters_relaxed_and_recorded(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"one.txt": "Title\n\nOne paragraph about the digital economy and network security.\n"})
    result = themes_run(corpus, "vectorize.no_below=2", "vectorize.no_above=0.5")
    run_dir = only_run(tmp_path, result)
    assert warning_lines(result)[0] == (
        "warning: vectorize: only 1 kept paragraph(s), fewer than 20: vocabulary filters relaxed from no_below = 2, "
        "no_above = 0.5 to no_below = 1, no_above = 1.0 (every term kept)"
    )
    (stage,) = [s for s in manifest(run_dir)["stages"] if s["name"] == "vectorize"]
    assert (stage["no_below"], stage["no_above"]) == (1, 1.0)


def test_a_lexicon_absent_from_the_corpus_gives_all_other_with_a_warning(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"a.txt": BODY})
    result = themes_run(
        corpus, "lexicon.replace=true", 'lexicon.themes.space=["rocket", "astronaut"]', 'lexicon.themes.sea=["whale"]',
        lexicon=[],
    )
    run_dir = only_run(tmp_path, result)
    assert warning_lines(result) == [
        "warning: lexicon: no seed term of any of the 2 themes occurs in the kept paragraphs, so every paragraph is "
        "'other'; see lexicon_coverage.csv"
    ]
    assert (table(run_dir, "paragraphs.csv")["other"] == 1.0).all()
    assert list(table(run_dir, "lexicon_coverage.csv")["n_found"]) == [0, 0]


def test_a_theme_whose_seeds_are_absent_is_named(write_corpus, tmp_path, themes_run):
    corpus = write_corpus({"a.txt": BODY})
    result = themes_run(corpus, 'lexicon.themes.space=["rocket"]')
    only_run(tmp_path, result)
    assert warning_lines(result) == [
        "warning: lexicon theme 'space': none of its seed terms occurs in the kept paragraphs; see lexicon_coverage.csv"
    ]


@pytest.mark.parametrize("name", ["doc_id", "text", "other", "meta_year"])
def test_a_theme_named_like_a_column_is_a_one_line_error(write_corpus, tmp_path, name, themes_run):
    corpus = write_corpus({"a.txt": BODY})
    line = error_line(themes_run(corpus, f'lexicon.themes.{name}=["economy"]'), 2)
    assert line == f"error: lexicon theme '{name}': the name is reserved for an output column; choose another"


# --- output paths ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("experiment", ["../escaped", "a/b", "..", ".hidden", "a\\\\b", ""])
def test_an_experiment_name_that_would_leave_the_output_folder_is_refused(tmp_path, experiment, themes_run):
    line = error_line(themes_run(tmp_path, f'experiment="{experiment}"'), 2)
    assert line.startswith("error: config: experiment = ") and "expected a folder name" in line


def test_a_run_writes_only_inside_its_run_folder_and_ids_are_sanitized(write_corpus, tmp_path, themes_run):
    names = ["x..\\..\\evil.txt", "a b;rm -rf.txt", "-dash.md", "new\nline.txt", "ünï.txt", "$(reboot).txt"]
    corpus = write_corpus({name: BODY + f"Unique line {i}.\n" for i, name in enumerate(names)}, folder="c")
    before = {p for p in tmp_path.rglob("*")}
    run_dir = only_run(tmp_path, themes_run(corpus))
    created = {p for p in tmp_path.rglob("*")} - before
    cache = tmp_path / "out" / ".cache"  # the stage cache, beside the experiment folders
    assert all(
        p == tmp_path / "out" or run_dir in (p, *p.parents) or p == run_dir.parent or cache in (p, *p.parents)
        for p in created
    )
    ids = list(table(run_dir, "documents.csv")["doc_id"])
    assert sorted(ids) == sorted(["x____evil", "a_b_rm_-rf", "-dash", "new_line", "ünï", "reboot"])
    assert all("/" not in i and "\\" not in i and ".." not in i for i in ids)

