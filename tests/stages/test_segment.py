"""pipeline/stages/segment.py: paragraphs are exact spans of the original text; dropped lines keep their reason."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import CleanConfig, SegmentConfig
from pipeline.stages.clean import clean
from pipeline.stages.segment import segment
from pipeline.types import Document, Paragraph

TEXT = (
    "Title of the piece\n"
    "\n"
    "First paragraph, first line,\n"
    "and its second line.\n"
    "\n"
    "\n"
    "  Second paragraph is indented.  \n"
    "Photo by Li Ming\n"
    "Third paragraph follows the caption directly.\n"
    "\n"
    "Too short.\n"
)


def paragraphs_of(documents, mode="blank_line", min_words=1, clean_config=CleanConfig()):
    lines = clean(documents, clean_config)
    return segment(documents, lines, SegmentConfig(mode=mode, min_words=min_words))


def summary(paragraphs: list[Paragraph]):
    return [(p.index, p.text, p.drop_reason) for p in paragraphs]


def test_blank_line_mode_groups_lines_into_paragraphs(make_document):
    document = make_document(TEXT)
    paragraphs = paragraphs_of([document])
    assert summary(paragraphs) == [
        (0, "Title of the piece", "title"),
        (1, "First paragraph, first line,\nand its second line.", ""),
        (2, "Second paragraph is indented.", ""),
        (3, "Photo by Li Ming", "photo_caption"),  # a dropped line is its own paragraph and splits the run
        (4, "Third paragraph follows the caption directly.", ""),
        (5, "Too short.", ""),
    ]
    for p in paragraphs:
        assert document.text[p.start : p.end] == p.text
        assert p.doc_id == document.doc_id
        assert p.kept == (p.drop_reason == "")


def test_line_mode_makes_every_line_a_paragraph(make_document):
    document = make_document(TEXT)
    paragraphs = paragraphs_of([document], mode="line")
    assert summary(paragraphs) == [
        (0, "Title of the piece", "title"),
        (1, "First paragraph, first line,", ""),
        (2, "and its second line.", ""),
        (3, "Second paragraph is indented.", ""),
        (4, "Photo by Li Ming", "photo_caption"),
        (5, "Third paragraph follows the caption directly.", ""),
        (6, "Too short.", ""),
    ]
    assert all(document.text[p.start : p.end] == p.text for p in paragraphs)


def test_min_words_drops_short_paragraphs_as_too_short(make_document):
    paragraphs = paragraphs_of([make_document(TEXT)], min_words=5)
    assert [(p.text, p.drop_reason) for p in paragraphs] == [
        ("Title of the piece", "title"),  # a dropped paragraph keeps its own reason
        ("First paragraph, first line,\nand its second line.", ""),
        ("Second paragraph is indented.", "too_short"),
        ("Photo by Li Ming", "photo_caption"),
        ("Third paragraph follows the caption directly.", ""),
        ("Too short.", "too_short"),
    ]


def test_paragraph_indexes_restart_per_document(make_document):
    documents = [make_document(TEXT, doc_id="a"), make_document("Other title\n\nOne paragraph here.\n", doc_id="b")]
    paragraphs = paragraphs_of(documents)
    assert [(p.doc_id, p.index) for p in paragraphs] == [("a", i) for i in range(6)] + [("b", 0), ("b", 1)]


def test_crlf_text_keeps_its_line_endings_inside_paragraphs(make_document):
    document = make_document(TEXT.replace("\n", "\r\n"))
    paragraphs = paragraphs_of([document])
    assert paragraphs[1].text == "First paragraph, first line,\r\nand its second line."
    assert [p.drop_reason for p in paragraphs] == ["title", "", "", "photo_caption", "", ""]
    assert all(document.text[p.start : p.end] == p.text for p in paragraphs)


def test_lone_cr_blank_line_separates_paragraphs(make_document):
    document = make_document("Title\r\rLine one of a block,\rline two of it.\r\rNext block here.")
    paragraphs = paragraphs_of([document], clean_config=CleanConfig(enabled=False))
    assert [p.text for p in paragraphs] == ["Title", "Line one of a block,\rline two of it.", "Next block here."]


# Hard-wrapped at about 40 characters, with no blank line between its three paragraphs: the first ends on a
# short line, the second on a line as long as the wrap width (undetectable, so it runs on into the third).
WRAPPED = (
    "The Assembly meets again this autumn at a\n"
    "time of hope for the peoples of the world\n"
    "and of fear for many of them. Peace is\n"
    "near.\n"
    "We welcome the progress made on the draft\n"
    "treaty and call on all States to sign it.\n"
    "Development needs trade and investment in\n"
    "the poorest countries, and debt relief.\n"
)


def test_auto_mode_unwraps_hard_wrapped_lines_into_paragraphs(make_document):
    document = make_document(WRAPPED, title="")
    paragraphs = paragraphs_of([document], mode="auto", clean_config=CleanConfig(enabled=False))
    lines = WRAPPED.splitlines()
    assert [p.text for p in paragraphs] == ["\n".join(lines[:4]), "\n".join(lines[4:])]
    assert all(document.text[p.start : p.end] == p.text for p in paragraphs)


def test_auto_mode_keeps_one_paragraph_per_line_when_lines_end_sentences(make_document):
    text = "First paragraph on one line.\nSecond one, also whole.\nA third line without a stop\n"
    paragraphs = paragraphs_of([make_document(text, title="")], mode="auto", clean_config=CleanConfig(enabled=False))
    assert [p.text for p in paragraphs] == text.splitlines()


def test_auto_mode_never_joins_across_a_blank_line(make_document):
    text = WRAPPED.replace("at a\n", "at a\n\n")
    paragraphs = paragraphs_of([make_document(text, title="")], mode="auto", clean_config=CleanConfig(enabled=False))
    assert paragraphs[0].text == "The Assembly meets again this autumn at a"


def test_document_without_lines_has_no_paragraphs(make_document):
    assert paragraphs_of([make_document("\n \n")]) == []


# Text built from pieces that exercise every line ending, indentation and several cleaning rules.
PIECES = st.sampled_from(
    ["word", "Another", " ", "  ", "\t", ".", ",", "—", "\n", "\n\n", "\r\n", "\r", "\r\n\r\n",
     "Photo by X", "Release time:", " date 2023-03-02 ", "Read more stories here."]
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=40).map("".join), st.sampled_from(["blank_line", "line", "auto"]))
def test_paragraphs_are_ordered_trimmed_spans_that_cover_every_non_blank_character(text, mode):
    document = Document(doc_id="d", title=text.strip().split("\n")[0].strip(), source="", sha256="", text=text)
    paragraphs = paragraphs_of([document], mode=mode)
    previous_end = 0
    covered = set()
    for i, p in enumerate(paragraphs):
        assert p.index == i
        assert text[p.start : p.end] == p.text
        assert p.text and p.text == p.text.strip()
        assert p.start >= previous_end
        previous_end = p.end
        covered.update(range(p.start, p.end))
    assert {i for i, ch in enumerate(text) if not ch.isspace()} <= covered


def test_clean_and_segment_give_the_same_lines_and_paragraphs_in_worker_processes(make_document):
    # Shared boilerplate is found across the whole corpus before documents are split among workers.
    footer = "All rights reserved by the agency."
    documents = [
        make_document(f"Title {i}\n\nBody of document {i} goes on.\nIt wraps here.\n\n{footer}\n", doc_id=f"d{i}")
        for i in range(7)
    ]
    config = CleanConfig(min_documents=3)
    one = clean(documents, config, workers=1)
    two = clean(documents, config, workers=2)
    assert two == one and any(line.drop_reason == "repeated_across_documents" for doc in one for line in doc)
    assert segment(documents, two, SegmentConfig(), workers=2) == segment(documents, one, SegmentConfig(), workers=1)
