"""pipeline/stages/ingest.py: files, globs and tables into Documents; dates, titles, metadata, hashes and ids."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest

from pipeline.config import IngestConfig
from pipeline.errors import InputError, PipelineWarning
from pipeline.stages.dates import find_date
from pipeline.stages.ingest import first_line_title, ingest, sample_corpus_dir


def ingest_path(path, **settings):
    return ingest(IngestConfig(path=str(path), **settings))


def input_error(path, **settings) -> str:
    with pytest.raises(InputError) as info:
        ingest_path(path, **settings)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- text files -------------------------------------------------------------------------------------------


def test_directory_reads_txt_and_md_recursively_in_sorted_order(write_corpus):
    root = write_corpus(
        {
            "b.txt": "Beta\n\nbody b\n",
            "a.md": "Alpha\n\nbody a\n",
            "sub/c.txt": "Gamma\n\nbody c\n",
            "notes.json": "{}",
            "table.csv": "text\nnot read from a folder by default\n",
            ".hidden.txt": "Hidden\n",
        }
    )
    documents = ingest_path(root)
    assert [d.doc_id for d in documents] == ["a", "b", "c"]
    assert [d.title for d in documents] == ["Alpha", "Beta", "Gamma"]
    assert [d.source for d in documents] == [str((root / n).resolve()) for n in ("a.md", "b.txt", "sub/c.txt")]
    assert documents[0].text == "Alpha\n\nbody a\n"


def test_extensions_setting_selects_the_file_types(write_corpus):
    root = write_corpus({"a.md": "Alpha\n", "b.txt": "Beta\n", "c.TXT": "Gamma\n"})
    assert [d.doc_id for d in ingest_path(root, extensions=[".txt"])] == ["b", "c"]


def test_glob_reads_matching_files(write_corpus):
    root = write_corpus({"2021_a.txt": "A\n", "2022_b.txt": "B\n", "2022_c.md": "C\n", "other.txt": "D\n"})
    assert [d.doc_id for d in ingest_path(root / "2022_*")] == ["2022_b", "2022_c"]


def test_single_file(write_corpus):
    root = write_corpus({"one.txt": "Only title\n\nOnly body.\n", "two.txt": "Other\n"})
    documents = ingest_path(root / "one.txt")
    assert [(d.doc_id, d.title) for d in documents] == [("one", "Only title")]


def test_missing_path_is_an_input_error_naming_it(tmp_path):
    missing = tmp_path / "no-such-folder"
    message = input_error(missing)
    assert str(missing) in message and "does not exist" in message


def test_folder_without_documents_is_an_input_error(write_corpus):
    root = write_corpus({"notes.json": "{}"})
    message = input_error(root)
    assert str(root) in message and "holds no" in message


def test_tiny_corpus_titles_and_dates(tiny_corpus_dir):
    documents = ingest_path(tiny_corpus_dir)
    assert [(d.doc_id, d.title, d.date) for d in documents] == [
        ("a_economy", "Digital economy grows fast", "2024-04-14"),
        ("b_security", "Network security week opens", ""),
        ("c_world", "World internet conference meets", "2023-03-02"),
    ]


def test_empty_path_reads_the_bundled_sample():
    documents = ingest(IngestConfig())
    assert len(documents) == 5
    assert [d.doc_id for d in documents] == sorted(p.stem for p in sample_corpus_dir().glob("*.txt"))
    assert all(d.text and d.title for d in documents)


def test_sha256_is_of_the_file_bytes(write_corpus):
    data = "Title\r\n\r\nBody with ünïcode.\r\n".encode()
    root = write_corpus({"a.txt": data})
    (document,) = ingest_path(root)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.text == data.decode("utf-8")  # line endings untouched: offsets refer to this text


def test_utf8_bom_is_removed_from_text_and_title_but_hashed(write_corpus):
    data = "\ufeffTitle with BOM\n\nBody.\n".encode()
    root = write_corpus({"bom.txt": data})
    (document,) = ingest_path(root)
    assert document.text == "Title with BOM\n\nBody.\n"
    assert document.title == "Title with BOM"
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert (root / "bom.txt").read_text(encoding="utf-8-sig") == document.text


# --- dates, titles, metadata -------------------------------------------------------------------------------


def test_release_time_line_gives_the_date(write_corpus):
    root = write_corpus({"a.txt": "Title\n\nRelease time:Apr 14, 2024 04:59 AM\n\nBody.\n"})
    (document,) = ingest_path(root)
    assert document.date == "2024-04-14"
    assert document.title == "Title"


def test_leading_date_gives_the_date_and_is_cut_from_the_title(write_corpus):
    root = write_corpus({"a.txt": " date 2023-03-02 Title\n\nBody.\n"})
    (document,) = ingest_path(root)
    assert document.date == "2023-03-02"
    assert document.title == "Title"
    assert document.text.startswith(" date 2023-03-02 Title")  # the text itself is not changed


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Release time:Apr 14, 2024 04:59 AM", "2024-04-14"),
        (" date 2023-03-02 Title", "2023-03-02"),
        ("Title\nPublished: 2022-01-05\n", "2022-01-05"),
        ("Title\nRelease date：March 3, 2021\n", "2021-03-03"),
        ("Title\n\nNo date is stated here.", ""),
        ("Release time: sometime soon", ""),
    ],
)
def test_find_date(text, date):
    assert find_date(text) == date


def test_first_line_title_skips_blank_lines():
    assert first_line_title("\n\n   \n  Real title  \nbody") == "Real title"
    assert first_line_title("\n \n") == ""


def test_first_line_title_is_found_past_the_head_it_looks_at_first():
    # Complete lines of the head first; a title the head cuts off, or one below it, comes from the whole text.
    assert first_line_title(" " * 5000 + "\n\nLate title\nbody") == "Late title"
    assert first_line_title("\n" + "x" * 5000 + "\nbody") == "x" * 300
    assert first_line_title("date 2024-03-02\r\nTitle\r\n" + "body " * 2000) == "Title"


def test_filename_pattern_fills_metadata_and_date(write_corpus):
    root = write_corpus({"2021_report.txt": "Title\n\nBody.\n", "notes.txt": "Notes\n\nBody.\n"})
    documents = ingest_path(root, filename_pattern=r"(?P<year>\d{4})_(?P<kind>[a-z]+)", date_field="year")
    assert [(d.doc_id, d.metadata, d.date) for d in documents] == [
        ("2021_report", {"year": "2021", "kind": "report"}, "2021"),
        ("notes", {}, ""),
    ]


def test_date_in_the_text_wins_over_the_file_name(write_corpus):
    root = write_corpus({"2021_report.txt": " date 2023-03-02 Title\n"})
    (document,) = ingest_path(root, filename_pattern=r"(?P<date>\d{4})_")
    assert document.date == "2023-03-02"
    assert document.metadata == {"date": "2021"}


def test_invalid_filename_pattern_is_an_input_error(write_corpus):
    root = write_corpus({"a.txt": "A\n"})
    assert "ingest.filename_pattern" in input_error(root, filename_pattern="(?P<year")


# --- tables -----------------------------------------------------------------------------------------------


def test_jsonl_rows_with_id_title_and_text_columns(write_corpus):
    rows = [
        {"uid": "first", "headline": "Headline one", "body": "Text one.\n\nMore.", "date": "2021-05-06"},
        {"uid": "second", "body": "Text two.", "lang": "en"},
    ]
    lines = [json.dumps(rows[0]), "", json.dumps(rows[1])]
    root = write_corpus({"rows.jsonl": "\n".join(lines) + "\n"})
    documents = ingest_path(root / "rows.jsonl", text_column="body", id_column="uid", title_column="headline")
    assert [(d.doc_id, d.title, d.text, d.date) for d in documents] == [
        ("first", "Headline one", "Text one.\n\nMore.", "2021-05-06"),
        ("second", "Text two.", "Text two.", ""),
    ]
    path = (root / "rows.jsonl").resolve()
    assert [d.source for d in documents] == [f"{path}#1", f"{path}#3"]
    assert documents[0].metadata == {"uid": "first", "headline": "Headline one", "date": "2021-05-06"}
    assert documents[1].metadata == {"uid": "second", "lang": "en"}
    # A title column's title is a heading the cleaner may drop; a row's first line shown as title is text.
    assert [d.title_is_heading for d in documents] == [True, False]


def test_jsonl_with_crlf_line_endings(write_corpus):
    root = write_corpus({"rows.jsonl": '{"text": "One."}\r\n\r\n{"text": "Two."}\r\n'})
    assert [(d.doc_id, d.text) for d in ingest_path(root / "rows.jsonl")] == [("rows-1", "One."), ("rows-3", "Two.")]


def test_jsonl_default_ids_are_stem_and_line(write_corpus):
    root = write_corpus({"rows.jsonl": '{"text": "One."}\n{"text": "Two."}\n'})
    assert [d.doc_id for d in ingest_path(root / "rows.jsonl")] == ["rows-1", "rows-2"]


def test_malformed_jsonl_line_names_file_and_line(write_corpus):
    root = write_corpus({"rows.jsonl": '{"text": "One."}\n\n{"text": broken}\n'})
    message = input_error(root / "rows.jsonl")
    assert f"{(root / 'rows.jsonl')}:3" in message and "not valid JSON" in message


def test_jsonl_line_that_is_not_an_object(write_corpus):
    root = write_corpus({"rows.jsonl": '{"text": "One."}\n["a", "b"]\n'})
    message = input_error(root / "rows.jsonl")
    assert "rows.jsonl:2" in message and "JSON object" in message


def test_csv_rows_with_id_title_and_text_columns(write_corpus):
    root = write_corpus({"rows.csv": 'id,title,body\n7,First,"Para one.\n\nPara two."\n8,,Second text.\n'})
    documents = ingest_path(root / "rows.csv", text_column="body", id_column="id", title_column="title")
    assert [(d.doc_id, d.title, d.text) for d in documents] == [
        ("7", "First", "Para one.\n\nPara two."),
        ("8", "Second text.", "Second text."),
    ]
    path = (root / "rows.csv").resolve()
    assert [d.source for d in documents] == [f"{path}#2", f"{path}#3"]  # the header is row 1


def test_missing_text_column_names_the_column(write_corpus):
    root = write_corpus({"rows.csv": "id,body\n1,Text.\n"})
    message = input_error(root / "rows.csv")
    assert "'text'" in message and "ingest.text_column" in message
    assert "rows.csv:2" in message
    assert "body, id" in message  # the columns that do exist


def test_missing_text_field_in_jsonl_names_the_field(write_corpus):
    root = write_corpus({"rows.jsonl": '{"body": "x"}\n'})
    message = input_error(root / "rows.jsonl", text_column="content")
    assert "'content'" in message and "rows.jsonl:1" in message


def test_glob_also_reads_tables(write_corpus):
    root = write_corpus({"a.txt": "A text.\n", "b.jsonl": '{"text": "B text."}\n'})
    assert [d.doc_id for d in ingest_path(root / "*")] == ["a", "b-1"]


def test_table_row_hash_is_stable(write_corpus):
    root = write_corpus({"rows.jsonl": '{"text": "One.", "k": "v"}\n'})
    first = ingest_path(root / "rows.jsonl")[0].sha256
    (root / "rows.jsonl").write_text('{"k": "v", "text": "One."}\n', encoding="utf-8")
    assert ingest_path(root / "rows.jsonl")[0].sha256 == first  # key order does not matter


def test_jsonl_text_may_contain_unicode_line_separators(write_corpus):
    rows = [{"text": "First sentence.\u2028Second sentence."}, {"text": "Plain."}]
    root = write_corpus({"rows.jsonl": "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)})
    documents = ingest_path(root / "rows.jsonl")
    assert [d.text for d in documents] == ["First sentence.\u2028Second sentence.", "Plain."]


def test_csv_text_may_contain_a_form_feed(write_corpus):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([["id", "text"], ["a", "Page one.\x0cPage two."], ["b", "Plain."]])
    root = write_corpus({"rows.csv": buffer.getvalue()})
    documents = ingest_path(root / "rows.csv", id_column="id")
    assert [(d.doc_id, d.text) for d in documents] == [("a", "Page one.\x0cPage two."), ("b", "Plain.")]


# --- ids --------------------------------------------------------------------------------------------------


UNSAFE_IDS = ["../../etc/passwd", "a/b/c", "..", "/abs/path", "a b:c", "..\\..\\win", "x/../y", "dir\\..\\file", "a..b"]


@pytest.mark.parametrize("raw_id", UNSAFE_IDS)
def test_ids_from_tables_are_sanitized(write_corpus, raw_id):
    root = write_corpus({"rows.jsonl": json.dumps({"text": "Body.", "id": raw_id}) + "\n"})
    (document,) = ingest_path(root / "rows.jsonl", id_column="id")
    assert "/" not in document.doc_id and "\\" not in document.doc_id
    assert ".." not in document.doc_id
    assert document.doc_id and not document.doc_id.startswith(".")
    assert document.metadata["id"] == raw_id  # the raw value is still there


def test_ids_from_file_names_are_sanitized(write_corpus):
    root = write_corpus({"My Report (final).txt": "A\n", "résumé.md": "B\n", "v1..2.txt": "C\n"})
    assert [d.doc_id for d in ingest_path(root)] == ["My_Report_final", "résumé", "v1_2"]


def test_duplicate_ids_are_made_unique(write_corpus):
    root = write_corpus({"a.txt": "A\n", "sub/a.txt": "B\n", "sub/deeper/a.md": "C\n"})
    documents = ingest_path(root)
    assert [(d.doc_id, d.title) for d in documents] == [("a", "A"), ("a-2", "B"), ("a-3", "C")]


def test_duplicate_rows_become_copies_of_the_first_with_their_own_ids(write_corpus):
    root = write_corpus({"rows.csv": "label,text\nx,Same words.\ny,Other words.\nx,Same words.\n", "rows-4.txt": "Z\n"})
    with pytest.warns(PipelineWarning, match=r"rows.csv#4: duplicate of .*rows.csv#2 .*analysed once"):
        documents = ingest_path(root, extensions=[".csv", ".txt"])
    # rows-4.txt sorts first and takes the id "rows-4"; ids stay unique over documents and copies alike.
    assert [d.doc_id for d in documents] == ["rows-4", "rows-2", "rows-3"]
    assert documents[0].copies == documents[2].copies == ()
    (copy,) = documents[1].copies
    assert (copy.doc_id, copy.metadata, copy.source.rsplit("#", 1)[1]) == ("rows-4-2", {"label": "x"}, "4")


def test_an_empty_extension_reads_files_without_a_suffix(write_corpus):
    # Raw 20 Newsgroups and many mail/news dumps name files by number only.
    root = write_corpus({"sci.space/60154": "Orbit talk.\n", "sci.space/notes.txt": "Text.\n", "empty/x.md": "Y\n"})
    assert [d.doc_id for d in ingest_path(root, extensions=[""])] == ["60154"]
    assert "holds no suffix-less files" in input_error(root / "empty", extensions=[""])
