"""pipeline/stages/chinese.py and the Chinese paths of tokenize and clean: words that slice back to the original,
Traditional text matched in its Simplified form, language detection, Chinese boilerplate dropped with its reason."""

from __future__ import annotations

from pipeline.config import CleanConfig, TokenizeConfig
from pipeline.stages.chinese import count_words, detect_language, segment_han, to_simplified, word_counts
from pipeline.stages.clean import clean
from pipeline.stages.tokenize import build_analyzer, find_words, word_spans

MIXED = "加强网络安全和数据安全保护，推进5G网络与digital economy发展。數據安全與個人信息保護。"


def test_word_spans_slice_back_to_the_original_text_in_order():
    spans = word_spans(MIXED)
    assert [MIXED[start:end].lower() for start, end in spans] == find_words(MIXED)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    han = "".join(MIXED[start:end] for start, end in spans if "\u4e00" <= MIXED[start] <= "\u9fff")
    # Every Han character is in exactly one word: segmentation cuts runs, it never rewrites them.
    assert han == "".join(c for c in MIXED if "\u4e00" <= c <= "\u9fff")
    assert "網" not in han and "數據" in han  # Traditional stays as written


def test_segmentation_gives_dictionary_words():
    assert segment_han("加强网络安全和数据安全保护") == ["加强", "网络安全", "和", "数据安全", "保护"]


def test_traditional_words_match_their_simplified_tokens_and_keep_their_written_form():
    analyze = build_analyzer(TokenizeConfig())
    assert to_simplified("數據安全與個人信息保護") == "数据安全与个人信息保护"
    traditional = analyze("數據安全與個人信息保護")
    simplified = analyze("数据安全与个人信息保护")
    assert [token for token, _ in traditional] == [token for token, _ in simplified]
    assert [word for _, word in traditional] == ["數據安全", "個人信息", "保護"]


def test_chinese_stopwords_and_english_words_in_one_text():
    tokens = [token for token, _ in build_analyzer(TokenizeConfig())(MIXED)]
    assert "和" not in tokens and "加强" not in tokens  # stopwordsiso's list, then the project's
    assert {"网络安全", "数据安全", "digital", "economy", "5g"} <= set(tokens)


def test_language_is_detected_from_the_script():
    assert detect_language("数字经济发展迅速，产业数字化水平不断提高。") == "zh"
    assert detect_language("The digital economy grew, said the 中国 report.") == "en"
    assert detect_language("") == "en"


def test_chinese_lines_count_words_by_characters():
    assert count_words("一、总体要求") == 3
    assert count_words("the digital economy") == 3
    assert count_words("推进5g网络 and cloud") == 2 + 3


def test_word_counts_of_lines_are_count_words_of_each_with_or_without_han():
    english = ["the digital economy", "grew", "café society rules"]
    assert word_counts(english) == [count_words(norm) for norm in english] == [3, 1, 3]
    mixed = [*english, "一、总体要求"]
    assert word_counts(mixed) == [count_words(norm) for norm in mixed] == [3, 1, 3, 3]


BODY = "数字经济规模持续扩大，产业数字化转型加快推进。"
ARTICLE = f"""数字经济发展迈上新台阶

发布时间：2024-03-05 09:30

来源：新华网

2024-03-05 09:30 来源：人民网

本报记者 王明 李华

{BODY}

数字经济发展迈上新台阶

图为工作人员在数据中心巡检。

（记者 张三 摄）

——2018年4月20日，在全国网络安全和信息化工作会议上的讲话

一、总体要求

（二）主要任务
网络安全保障能力明显增强，关键信息基础设施安全防护水平不断提高。

第三章 保障措施

责任编辑：赵六
"""


def test_chinese_boilerplate_lines_are_dropped_with_their_reasons(make_document):
    doc = make_document(ARTICLE)
    lines = clean([doc], CleanConfig())[0]
    reasons = {doc.text[line.start : line.end]: line.drop_reason for line in lines}
    assert reasons == {
        "数字经济发展迈上新台阶": "title",
        "发布时间：2024-03-05 09:30": "release_time",
        "来源：新华网": "release_time",
        "2024-03-05 09:30 来源：人民网": "release_time",
        "本报记者 王明 李华": "byline",
        BODY: "",
        "图为工作人员在数据中心巡检。": "photo_caption",
        "（记者 张三 摄）": "byline",
        "——2018年4月20日，在全国网络安全和信息化工作会议上的讲话": "quote_attribution",
        "一、总体要求": "heading",
        "（二）主要任务": "heading",
        "网络安全保障能力明显增强，关键信息基础设施安全防护水平不断提高。": "",
        "第三章 保障措施": "heading",
        "责任编辑：赵六": "release_time",
    }
