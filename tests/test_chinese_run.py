"""`themes run` on Chinese and mixed English/Chinese folders: languages recorded, Chinese themes found, the same
outputs twice, and a Chinese-only user lexicon. Tiny corpora written here (no ../shared needed)."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from pipeline.cli import app

ENV = {"COLUMNS": "80", "CI": "1"}
# Short articles written for these tests, each about one theme, sharing a teaser line (boilerplate).
CHINESE = {
    "zh_security.txt": (
        "网络安全宣传周开幕\n\n发布时间：2024-09-09\n\n"
        "网络安全和数据安全事关国家安全，要加强关键信息基础设施保护，防范网络攻击风险。\n\n"
        "個人信息保護和數據安全審查制度不斷完善，網絡安全防護能力明顯增強。\n\n"
        "更多精彩内容请关注我们的网站。\n"
    ),
    "zh_economy.txt": (
        "数字经济规模再创新高\n\n来源：新华网\n\n"
        "数字经济快速发展，数字产业化和产业数字化协同推进，电子商务和智能制造带动企业增长。\n\n"
        "工业互联网和数字化转型为实体经济注入新动能，市场规模超过五十万亿元。\n\n"
        "更多精彩内容请关注我们的网站。\n"
    ),
    "zh_world.txt": (
        "世界互联网大会在乌镇举行\n\n"
        "各国应当加强国际合作，共同构建网络空间命运共同体，推动全球互联网治理。\n\n"
        "数字丝绸之路促进互联互通，国际社会在对话中增进互信，实现互利共赢。\n\n"
        "更多精彩内容请关注我们的网站。\n"
    ),
}
ENGLISH = {
    "en_security.txt": (
        "Network security week opens\n\n"
        "Network security and data security protect personal information from every cyber attack.\n\n"
        "Experts warned that risk prevention and encryption guard critical information infrastructure.\n"
    ),
}
OVERRIDES = ["vectorize.no_below=1", "vectorize.no_above=1.0", "model.passes=2", "model.iterations=20"]


def run(folder, output_dir, *extra: str):
    args = ["run", "--input", str(folder), "--set", f"output_dir={json.dumps(str(output_dir))}"]
    for override in [*OVERRIDES, *extra]:
        args += ["--set", override]
    result = CliRunner().invoke(app, args, env=ENV)
    assert result.exit_code == 0, result.output
    return next(line.split("outputs: ", 1)[1] for line in result.output.splitlines() if line.startswith("outputs: "))


def test_a_mixed_folder_records_each_language_and_finds_themes_in_both(write_corpus, tmp_path):
    folder = write_corpus({**CHINESE, **ENGLISH})
    run_dir = tmp_path / "out"
    path = run(folder, run_dir)
    documents = pd.read_csv(f"{path}/documents.csv", keep_default_na=False).set_index("doc_id")
    assert documents["language"].to_dict() == {
        "en_security": "en", "zh_economy": "zh", "zh_security": "zh", "zh_world": "zh"
    }
    top = documents[["governance", "security", "digital_economy", "international_cooperation"]].idxmax(axis=1)
    assert top.to_dict() == {
        "en_security": "security",
        "zh_economy": "digital_economy",
        "zh_security": "security",
        "zh_world": "international_cooperation",
    }
    manifest = json.loads(open(f"{path}/manifest.json", encoding="utf-8").read())
    assert {i["doc_id"]: i["language"] for i in manifest["inputs"]}["zh_world"] == "zh"
    paragraphs = pd.read_csv(f"{path}/paragraphs.csv", keep_default_na=False)
    status = dict(zip(paragraphs["text"], paragraphs["status"]))
    assert "release_time" in status["发布时间：2024-09-09"] and "release_time" in status["来源：新华网"]
    report = open(f"{path}/report.html", encoding="utf-8").read()
    assert "<mark>网络安全</mark>" in report or "<mark>數據安全</mark>" in report


def test_a_chinese_run_gives_the_same_outputs_twice(write_corpus, tmp_path):
    folder = write_corpus(CHINESE)
    first, second = run(folder, tmp_path / "a", "cache.enabled=false"), run(folder, tmp_path / "b", "cache.enabled=false")
    for name in ("paragraphs.csv", "documents.csv", "topics.csv", "theme_terms.csv", "lexicon_coverage.csv"):
        assert open(f"{first}/{name}", "rb").read() == open(f"{second}/{name}", "rb").read(), name


def test_a_fixed_language_overrides_detection(write_corpus, tmp_path):
    path = run(write_corpus(CHINESE), tmp_path / "out", 'ingest.language="en"')
    assert set(pd.read_csv(f"{path}/documents.csv")["language"]) == {"en"}


def test_a_chinese_only_user_lexicon(write_corpus, tmp_path):
    lexicon = tmp_path / "zh.toml"
    lexicon.write_text(
        '[themes.security]\nseeds.zh = ["网络安全", "数据安全"]\n\n[themes.world]\nseeds.zh = ["国际合作"]\n', encoding="utf-8"
    )
    path = run(write_corpus(CHINESE), tmp_path / "out", f"lexicon.path={json.dumps(str(lexicon))}")
    documents = pd.read_csv(f"{path}/documents.csv").set_index("doc_id")
    assert documents.loc["zh_security", "security"] > documents.loc["zh_security", "world"]
    assert documents.loc["zh_world", "world"] > documents.loc["zh_world", "security"]
