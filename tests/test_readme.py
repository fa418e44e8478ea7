"""The README's five-minute tour: every `themes` line of its quick-start block runs on the sample and exits 0."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.lexicon import default_lexicon_path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHARED = ROOT.parent / "shared"
ENV = {"COLUMNS": "80", "CI": "1"}


def quickstart_commands() -> list[str]:
    """The `themes ...` lines between the README's quickstart markers, comments stripped."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- quickstart.*?-->(.*?)<!-- /quickstart -->", text, re.S)
    assert block, "README.md has no <!-- quickstart --> ... <!-- /quickstart --> block"
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line.startswith("themes ")]


def test_readme_names_the_two_setup_commands_and_stays_short():
    text = README.read_text(encoding="utf-8")
    assert "pip install -e . && themes run" in text
    assert 'pip install -e ".[dev]" && python -m pytest' in text
    assert len(text.splitlines()) <= 200


def test_every_config_and_doc_the_readme_links_exists():
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(((?:docs|configs)/[^)#]+)\)", text):
        assert (ROOT / target).exists(), target


def test_the_quickstart_runs_on_the_sample(tmp_path, monkeypatch):
    commands = quickstart_commands()
    assert commands[0] == "themes run"
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    your_folder = tmp_path / "path" / "to" / "your" / "folder"
    your_folder.mkdir(parents=True)
    for source in sorted(default_lexicon_path().parent.joinpath("sample").glob("*.txt"))[:3]:
        shutil.copy(source, your_folder / source.name)
    monkeypatch.chdir(tmp_path)
    run_dir = None
    for command in commands:
        if run_dir is not None:
            command = command.replace("outputs/default/<run-id>", str(run_dir))
        args = shlex.split(command)[1:]
        if "../shared/gold/dev.jsonl" in args:
            gold = SHARED / "gold" / "dev.jsonl"
            if not gold.exists():
                continue  # the development gold lives beside the repository, not in it
            args[args.index("../shared/gold/dev.jsonl")] = str(gold)
        result = CliRunner().invoke(app, args, env=ENV)
        assert result.exit_code == 0, f"{command}\n{result.output}"
        if run_dir is None:
            found = re.search(r"outputs: (\S+)", result.output)
            assert found, result.output
            run_dir = Path(found.group(1))
    assert run_dir is not None and (run_dir / "report.html").exists()
