"""Cleaning drops boilerplate, not content (issue 17): short documents keep their text, headlines that begin
"Photo" stay, and e-mail/Usenet headers and signatures go with reasons of their own."""

from __future__ import annotations

from pipeline.config import CleanConfig
from pipeline.stages.clean import clean


def reasons(make_document, text: str, config: CleanConfig = CleanConfig()) -> list[tuple[str, str]]:
    doc = make_document(text)
    return [(doc.text[line.start : line.end], line.drop_reason) for line in clean([doc], config)[0]]


def test_a_two_paragraph_document_keeps_both_paragraphs(make_document):
    text = "Digital economy grows fast in the region\n\nNetwork security matters for every company\n"
    assert [reason for _, reason in reasons(make_document, text)] == ["", ""]


def test_a_longer_document_still_loses_its_title_and_headings(make_document):
    text = "A Title\n\nFirst section\n\nThe text of the section.\n\nSecond section\n\nMore text here.\n"
    assert [reason for _, reason in reasons(make_document, text)] == ["title", "heading", "", "heading", ""]


def test_headlines_beginning_photo_or_naming_images_are_kept(make_document):
    text = (
        "Title\n\nPhotos from the summit show leaders signing the cyber security pact.\n\n"
        "Images from Mars reveal water under the ice.\n\nPhoto ID rules tightened for voters.\n\n"
        "Photo: Xinhua\n\nThe hall opened on Monday. Photo by Li Wei\n"
    )
    found = dict(reasons(make_document, text))
    assert found["Photos from the summit show leaders signing the cyber security pact."] == ""
    assert found["Images from Mars reveal water under the ice."] == ""
    assert found["Photo ID rules tightened for voters."] == ""
    assert found["Photo: Xinhua"] == "photo_caption"
    assert found["The hall opened on Monday. Photo by Li Wei"] == "photo_caption"


POST = (
    "From: jdoe@cs.example.edu (John Doe)\nSubject: Re: encryption export rules\n"
    "Organization: Example University\nLines: 12\nNNTP-Posting-Host: cs.example.edu\n\n"
    "The export rules for encryption software hurt network security research.\n\n"
    "--\nJohn Doe  jdoe@cs.example.edu\nDept. of Computer Science\n"
)


def test_mail_headers_and_signatures_go_with_their_own_reasons(make_document):
    found = reasons(make_document, POST)
    assert found[0] == ("From: jdoe@cs.example.edu (John Doe)", "mail_header")
    assert found[1] == ("Subject: Re: encryption export rules", "")
    assert [r for _, r in found[2:5]] == ["mail_header"] * 3
    assert found[5] == ("The export rules for encryption software hurt network security research.", "")
    assert [r for _, r in found[6:]] == ["signature"] * 3
    off = reasons(make_document, POST, CleanConfig(mail_headers=False))
    assert "mail_header" not in {r for _, r in off} and "signature" not in {r for _, r in off}


def test_a_line_starting_like_a_header_inside_the_text_stays(make_document):
    text = "Title\n\nThe memo said:\n\nFrom: the ministry\nTo: all provinces\n\nEnd of text.\n"
    assert "mail_header" not in {r for _, r in reasons(make_document, text)}
