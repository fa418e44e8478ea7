"""pipeline/stages/clean.py: each boilerplate rule drops its lines with its reason; nothing else is touched."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from pipeline.config import CleanConfig
from pipeline.errors import ConfigError
from pipeline.stages.clean import clean, shared_boilerplate, split_lines

BODY = "The digital economy grew by ten percent last year, officials said."

# One article with one line for each rule (the reason it is dropped), between ordinary sentences.
ARTICLE = f"""Digital economy grows fast

Release time:Apr 14, 2024 04:59 AM

Xinhua News Agency reporters Wang Sibei and Bai Ying

{BODY}

Digital economy grows fast

Photo by Li Ming / Xinhua

— — On April 20, 2018, the Supreme Leader delivered an important speech at the national conference.

Creating a clear network ecosystem

The platforms must follow the rules, and the
rules must be clear and fair
for everyone involved in the market.

Click here to read more stories today.
Click here to read more stories today.

Zhuang Rongwen

Scan the QR code to follow our account.
"""

EXPECTED_REASONS = [
    ("Digital economy grows fast", "title"),
    ("Release time:Apr 14, 2024 04:59 AM", "release_time"),
    ("Xinhua News Agency reporters Wang Sibei and Bai Ying", "byline"),
    (BODY, ""),
    ("Digital economy grows fast", "title"),
    ("Photo by Li Ming / Xinhua", "photo_caption"),
    (
        "— — On April 20, 2018, the Supreme Leader delivered an important speech at the national conference.",
        "quote_attribution",
    ),
    ("Creating a clear network ecosystem", "heading"),
    ("The platforms must follow the rules, and the", ""),
    ("rules must be clear and fair", ""),
    ("for everyone involved in the market.", ""),
    ("Click here to read more stories today.", "repeated_in_document"),
    ("Click here to read more stories today.", "repeated_in_document"),
    ("Zhuang Rongwen", "byline"),
    ("Scan the QR code to follow our account.", "pattern"),
]


def line_reasons(documents, config=CleanConfig(extra_patterns=["QR code"])):
    """Per document: [(line text, drop reason)], checking on the way that every span slices its line."""
    result = []
    for document, lines in zip(documents, clean(documents, config)):
        for line in lines:
            assert line.doc_id == document.doc_id
            text = document.text[line.start : line.end]
            assert text == text.strip() and text
        result.append([(document.text[line.start : line.end], line.drop_reason) for line in lines])
    return result


def test_each_rule_drops_its_line_with_its_reason(make_document):
    (reasons,) = line_reasons([make_document(ARTICLE)])
    assert reasons == EXPECTED_REASONS


@pytest.mark.parametrize(
    ("switch", "reason"),
    [
        ("title", "title"),
        ("release_time", "release_time"),
        ("byline", "byline"),
        ("photo_caption", "photo_caption"),
        ("quote_attribution", "quote_attribution"),
        ("repeated_in_document", "repeated_in_document"),
        ("heading", "heading"),
    ],
)
def test_each_rule_has_a_switch(make_document, switch, reason):
    config = CleanConfig(extra_patterns=["QR code"], **{switch: False})
    (reasons,) = line_reasons([make_document(ARTICLE)], config)
    assert reason not in {r for _, r in reasons}
    unchanged = [(i, r) for i, (_, r) in enumerate(EXPECTED_REASONS) if r != reason]
    assert [(i, reasons[i][1]) for i, _ in unchanged] == unchanged


def test_disabled_cleaner_keeps_every_line(make_document):
    (reasons,) = line_reasons([make_document(ARTICLE)], CleanConfig(enabled=False, extra_patterns=["QR code"]))
    assert reasons == [(text, "") for text, _ in EXPECTED_REASONS]


def test_one_line_document_is_all_text(make_document):
    # A short item (a headline-like post, a CSV row) must not lose its only line to the title or heading rule.
    (reasons,) = line_reasons([make_document("Markets rally as tech shares surge")])
    assert reasons == [("Markets rally as tech shares surge", "")]


def test_row_first_line_shown_as_title_is_not_dropped(make_document):
    opening = "I agree with the post above."
    document = make_document(f"{opening}\n\nBut the figures say otherwise, as anyone can check.")
    as_row = dataclasses.replace(document, title_is_heading=False)
    (file_reasons,) = line_reasons([document])
    (row_reasons,) = line_reasons([as_row])
    assert file_reasons[0] == (opening, "title") and row_reasons[0] == (opening, "")


def test_title_with_leading_date_matches_its_header_lines(make_document):
    text = (
        f" date 2023-03-02 Promoting modernization with informatization\n\n{BODY}\n\n"
        "Promoting modernization with informatization\n"
    )
    (reasons,) = line_reasons([make_document(text)])
    assert [r for _, r in reasons] == ["title", "", "title"]


@pytest.mark.parametrize(
    "line",
    ["Release time:Apr 14, 2024 04:59 AM", "Source: Xinhua", "Editor: Li Wei", "Responsible editor：Zhang San",
     "Author: Deputy Director of the Propaganda Department of the Central Committee"],
)
def test_release_time_source_editor_author_lines(make_document, line):
    (reasons,) = line_reasons([make_document(f"Title here\n\n{BODY}\n\n{line}\n")])
    assert reasons[-1] == (line, "release_time")


@pytest.mark.parametrize(
    "line",
    ["Photo by Li Ming / Xinhua", "The picture shows the opening ceremony of the conference.",
     "(Photo courtesy of the organizers)", "Photo: the exhibition hall in Wuzhen."],
)
def test_photo_captions(make_document, line):
    (reasons,) = line_reasons([make_document(f"Title here\n\n{BODY}\n\n{line}\n")])
    assert reasons[-1] == (line, "photo_caption")


@pytest.mark.parametrize(
    "line",
    [
        "— — On April 20, 2018, the Supreme Leader delivered an important speech at the national conference.",
        "——Speech by the Supreme Leader at the Opening Ceremony of the Second World Internet Conference.",
        "– In July 2023, the Supreme Leader made important instructions on network security.",
    ],
)
def test_quote_attributions(make_document, line):
    (reasons,) = line_reasons([make_document(f"Title here\n\n“{BODY}”\n\n{line}\n")])
    assert reasons[-1] == (line, "quote_attribution")


def test_line_in_three_documents_is_dropped_and_in_two_is_kept(make_document):
    shared_by_all = "Follow our official account for more policy news today."
    shared_by_two = "Readers in two cities shared this story with friends."
    documents = [
        make_document(
            f"Title number {i}\n\nBody sentence {i} is unique to this document.\n\n{shared_by_all}\n"
            + (f"\n{shared_by_two}\n" if i < 2 else ""),
            doc_id=f"d{i}",
        )
        for i in range(3)
    ]
    reasons = line_reasons(documents)
    for i, document_reasons in enumerate(reasons):
        assert (shared_by_all, "repeated_across_documents") in document_reasons
        assert (f"Body sentence {i} is unique to this document.", "") in document_reasons
    assert (shared_by_two, "") in reasons[0] and (shared_by_two, "") in reasons[1]


def test_shared_line_threshold_is_configurable(make_document):
    documents = [make_document(f"Title {i}\n\nA line that two documents share.\n", doc_id=f"d{i}") for i in range(2)]
    assert line_reasons(documents, CleanConfig(min_documents=2))[0][1] == (
        "A line that two documents share.",
        "repeated_across_documents",
    )
    assert line_reasons(documents, CleanConfig(repeated_across_documents=False))[0][1][1] == ""


def test_known_boilerplate_is_dropped_in_a_single_document(make_document):
    teaser = "Follow our official account for more policy news today."
    documents = [make_document(f"Title {i}\n\nBody of document {i} here.\n\n{teaser}\n", doc_id=f"d{i}") for i in range(3)]
    known = shared_boilerplate(documents, clean(documents, CleanConfig()))
    assert known == [teaser.lower()]
    alone = [make_document(f"Another title\n\nA new body.\n\n{teaser.upper()}\n", doc_id="new")]
    assert line_reasons(alone)[0][-1][1] == ""
    (lines,) = clean(alone, CleanConfig(), known_boilerplate=frozenset(known))
    assert lines[-1].drop_reason == "repeated_across_documents" and lines[1].drop_reason == ""
    (lines,) = clean(alone, CleanConfig(repeated_across_documents=False), known_boilerplate=frozenset(known))
    assert lines[-1].drop_reason == ""


def test_shared_lines_match_ignoring_case_and_spacing(make_document):
    variants = [
        "Read more stories on our homepage.",
        "read  more stories ON our homepage.",
        "  Read more stories on our homepage. ",
    ]
    documents = [make_document(f"Title {i}\n\n{BODY}\n\n{v}\n", doc_id=f"d{i}") for i, v in enumerate(variants)]
    for reasons, variant in zip(line_reasons(documents), variants):
        assert reasons[-1] == (variant.strip(), "repeated_across_documents")


def test_short_repeated_lines_are_not_boilerplate(make_document):
    # Fewer than three words: too little to call a repeat boilerplate ("Yes." may repeat legitimately).
    text = "Title here\n\nYes indeed.\nSome other sentence here.\nYes indeed.\n"
    (reasons,) = line_reasons([make_document(text)])
    assert reasons[1:] == [("Yes indeed.", ""), ("Some other sentence here.", ""), ("Yes indeed.", "")]


def test_heading_only_when_isolated_short_and_unpunctuated(make_document):
    long_line = " ".join(["word"] * 30)
    text = (
        "Title here\n\n"
        "A short heading line\n\n"
        "A short sentence that ends properly.\n\n"
        f"{long_line}\n\n"
        "Hard wrapped lines of one block\nare not headings even when\nshort and unpunctuated\n"
    )
    (reasons,) = line_reasons([make_document(text)])
    assert reasons == [
        ("Title here", "title"),
        ("A short heading line", "heading"),
        ("A short sentence that ends properly.", ""),
        (long_line, ""),
        ("Hard wrapped lines of one block", ""),
        ("are not headings even when", ""),
        ("short and unpunctuated", ""),
    ]


def test_heading_max_words(make_document):
    text = f"Title here\n\nfour words in heading\n\n{BODY}\n"
    assert line_reasons([make_document(text)], CleanConfig(heading_max_words=3))[0][1] == ("four words in heading", "")
    assert line_reasons([make_document(text)], CleanConfig(heading_max_words=4))[0][1] == (
        "four words in heading",
        "heading",
    )


def test_extra_patterns_drop_matching_lines(make_document):
    text = f"Title here\n\n{BODY}\n\nScan the QR code to follow our account.\n\nAd: buy the new phone today.\n"
    config = CleanConfig(extra_patterns=[r"QR code", r"^Ad:"])
    (reasons,) = line_reasons([make_document(text)], config)
    assert reasons[1:] == [
        (BODY, ""),
        ("Scan the QR code to follow our account.", "pattern"),
        ("Ad: buy the new phone today.", "pattern"),
    ]
    (reasons,) = line_reasons([make_document(text)], CleanConfig())
    assert [r for _, r in reasons[1:]] == ["", "", ""]


@pytest.mark.parametrize(
    "patterns",
    [[r"(?i)^qr CODE", r"^ad:"], [r"(?i)^ad:", r"(q)(r) code"], [r"^\d{1,3}$", r"(?i:SCAN the)", r"^Ad:"]],
)
def test_patterns_with_flags_or_groups_match_as_they_would_alone(make_document, patterns):
    text = f"Title here\n\n{BODY}\n\nScan the QR code to follow.\n\nqr code again here.\n\nAd: buy it.\n\n12\n"
    (reasons,) = line_reasons([make_document(text)], CleanConfig(heading=False, extra_patterns=patterns))
    expected = [bool(any(re.search(p, line) for p in patterns)) for line, _ in reasons[1:]]
    assert [reason == "pattern" for _, reason in reasons[1:]] == expected and any(expected)


def test_invalid_extra_pattern_is_a_config_error(make_document):
    with pytest.raises(ConfigError) as info:
        clean([make_document(ARTICLE)], CleanConfig(extra_patterns=["(unclosed"]))
    assert "clean.extra_patterns" in str(info.value) and "(unclosed" in str(info.value)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_line_endings_keep_offsets(make_document, newline):
    text = ARTICLE.replace("\n", newline)
    (reasons,) = line_reasons([make_document(text)])
    assert reasons == EXPECTED_REASONS  # same lines, same reasons, spans slice the original text


def test_split_lines_trims_white_space_and_skips_blank_lines():
    text = "  first line  \n\t\n second\r\n\r\nthird\rlast"
    spans = split_lines(text)
    assert [text[s:e] for s, e in spans] == ["first line", "second", "third", "last"]
    assert spans[0] == (2, 12)


def test_empty_document_has_no_lines(make_document):
    assert clean([make_document(""), make_document(" \n\n\t\n", doc_id="d1")], CleanConfig()) == [[], []]


def test_wrapped_sentence_mentioning_reporters_is_kept(make_document):
    text = "Title here\n\nOfficials told reporters on Monday that the\nnew data rules take effect in May.\n"
    (reasons,) = line_reasons([make_document(text)])
    assert [r for _, r in reasons] == ["title", "", ""]


def test_markdown_bullets_are_not_quote_attributions(make_document):
    text = (
        "Title here\n\nKey points of the plan:\n\n"
        "- In 2025, every county will have gigabit broadband access.\n"
        "- The annual report shows strong growth in e-commerce.\n"
    )
    (reasons,) = line_reasons([make_document(text)])
    assert [r for _, r in reasons] == ["title", "", "", ""]


def _split_lines_line_by_line(text: str) -> list[tuple[int, int]]:
    """split_lines as it was written before it became one regex scan: each line split off, then stripped."""
    spans = []
    for match in re.finditer(r"[^\r\n]+", text):
        body = match.group()
        if stripped := body.strip():
            start = match.start() + len(body) - len(body.lstrip())
            spans.append((start, start + len(stripped)))
    return spans


def test_split_lines_gives_the_spans_of_splitting_and_stripping_each_line():
    # Every kind of white space str.strip() removes, and the breaks only \r and \n make (not \x0b, \x85, U+2028).
    pieces = ["a", "bc", " ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u3000", "\xa0", "中"]
    generator = random.Random(7)
    for _ in range(3000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 25)))
        assert split_lines(text) == _split_lines_line_by_line(text), repr(text)
