"""pipeline/stages/token_rows.py: which paragraphs may hold a word, told from the tokens."""

from __future__ import annotations

import numpy as np

from pipeline.config import TokenizeConfig
from pipeline.stages.token_rows import texts_holding
from pipeline.stages.tokenize import tokenize
from pipeline.types import Paragraph

TEXTS = ["The Senate met.", "Nothing here.", "senate, again and again", "Countries met at the café.", "Senators."]


def reader(**settings):
    config = TokenizeConfig(phrases=False, **settings)
    given = [Paragraph(doc_id="d", index=i, start=0, end=len(t), text=t) for i, t in enumerate(TEXTS)]
    return texts_holding(given, np.arange(len(given)), tokenize(given, config), config)


def test_only_the_texts_whose_tokens_hold_a_plain_word_are_read():
    read = reader()
    assert list(read({"senate"})) == [TEXTS[0], TEXTS[2]]
    assert list(read({"zebra"})) == []
    assert list(read(set())) == []


def test_a_word_written_in_another_form_of_its_token_is_still_found():
    # "countries" is read as the token "country" under lemmas; the text holding it is read.
    assert list(reader(normalize="lemma")({"countries"})) == [TEXTS[3]]


def test_a_word_the_tokens_cannot_tell_has_every_text_read():
    assert list(reader()({"the", "senate"})) == TEXTS  # a stopword leaves no token
    assert list(reader()({"café"})) == TEXTS  # not plain ASCII
