"""Every config shipped in configs/ loads and runs end to end, on a tiny corpus in the shape it expects."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.lexicon import default_lexicon_path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(path.name for path in (ROOT / "configs").glob("*.toml"))
ENV = {"COLUMNS": "80", "CI": "1"}

SPEECH = (
    "We call on all nations to work for peace and security, for disarmament and for an end to nuclear weapons.\n"
    "Development, trade and the fight against poverty must go together with respect for human rights.\n"
    "Climate change threatens small island states; the environment needs the cooperation of every country.\n"
    "The United Nations must be reformed, and the Security Council made more representative.\n"
)


def corpus_for(name: str, folder: Path) -> Path:
    """A folder the config can read: UN-style file names for the UN configs, sample articles for the others."""
    folder.mkdir()
    if name.startswith("cn-policy"):
        reports = [
            {"title": f"{year}年政府工作报告", "year": str(year), "content": f"各位代表：\n\n一、{year}年工作回顾\n\n{text}"}
            for year, text in [
                (1990, "加强国际合作，推动对外开放，世界各国互利共赢。\n\n数字经济和电子商务带动企业发展。"),
                (2000, "网络安全和数据安全事关国家安全。\n\n数字经济快速发展，产业数字化水平提高。"),
                (2010, "科技创新和人工智能取得突破，核心技术攻关加快。\n\n网络安全保障能力增强。"),
            ]
        ]
        (folder / "reports.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in reports), encoding="utf-8")
    elif name.startswith("ungdc"):
        for index, (country, year) in enumerate([("USA", 1995), ("CHN", 1996), ("FRA", 2005), ("BRA", 2010)]):
            (folder / f"{country}_{50 + index}_{year}.txt").write_text(SPEECH * (index + 2), encoding="utf-8")
    else:
        for source in sorted(default_lexicon_path().parent.joinpath("sample").glob("*.txt"))[:3]:
            shutil.copy(source, folder / source.name)
    return folder


def test_every_shipped_config_is_tested():
    assert {"default.toml", "example.toml", "ungdc.toml", "ungdc-scale.toml", "cn-policy.toml"} <= set(CONFIGS)


@pytest.mark.parametrize("name", CONFIGS)
def test_shipped_config_runs(name, tmp_path, monkeypatch):
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    corpus = corpus_for(name, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    overrides = [f"ingest.path={corpus}", "output_dir=out", "vectorize.no_below=1", "model.seeds=1"]
    if name.startswith("ungdc"):
        overrides += ["model.num_topics=3", "model.iterations=20"]
    args = ["run", f"configs/{name}"] + [part for item in overrides for part in ("--set", item)]
    result = CliRunner().invoke(app, args, env=ENV)
    assert result.exit_code == 0, result.output
    assert "outputs: " in result.output
