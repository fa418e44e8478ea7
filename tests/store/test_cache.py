"""pipeline/store/cache.py and the runner's use of it: keys, hits, misses, broken entries, clearing, byte-identical reuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.store.cache import StageCache, cache_dir, clear, stage_key
from pipeline.cli import app
from pipeline.config import Config
from pipeline.config_files import load_config
from pipeline.commands.reproduce import IDENTIFIED_FILES, without_run_identity
from pipeline.runner import run
from pipeline.store.read import read_manifest
from conftest import toml_string

UPSTREAM = ["ingest", "clean", "segment", "tokenize", "vectorize", "model"]
ENV = {"COLUMNS": "80", "CI": "1"}


def counting(value):
    """A compute function that counts its calls."""
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def output_hashes(run_dir: Path) -> dict[str, str]:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["outputs"]


def assert_same_outputs(first: Path, second: Path, *, except_names: tuple[str, ...] = ()) -> None:
    """Every output file byte for byte; report.html with its run's id and time replaced (as `reproduce` does)."""
    names = output_hashes(first)
    assert sorted(names) == sorted(output_hashes(second))
    for name in IDENTIFIED_FILES:
        assert without_run_identity(first / name, read_manifest(first)) == without_run_identity(
            second / name, read_manifest(second)
        ), name
    compared = [n for n in names if n not in IDENTIFIED_FILES and n not in except_names]
    assert len(compared) >= 14
    for name in compared:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.fixture
def tiny_config(tiny_corpus_dir, tiny_run_overrides, tmp_path):
    def make(*overrides: str, output: str = "out") -> Config:
        return load_config(
            None,
            [f"ingest.path={toml_string(tiny_corpus_dir)}", f"output_dir={toml_string(tmp_path / output)}",
             *tiny_run_overrides, *overrides],
        )

    return make


# --- the cache on its own -------------------------------------------------------------------------------------


def test_a_second_lookup_with_the_same_key_is_a_hit(tmp_path):
    cache = StageCache(tmp_path / "cache")
    compute, calls = counting({"a": [1, 2]})
    assert cache.get_or_compute("clean", "k1", compute) == ({"a": [1, 2]}, False)
    assert cache.get_or_compute("clean", "k1", compute) == ({"a": [1, 2]}, True)
    assert cache.get_or_compute("clean", "k2", compute) == ({"a": [1, 2]}, False)
    assert len(calls) == 2
    assert (tmp_path / "cache" / "clean" / "k1.pkl").is_file()
    assert (tmp_path / "cache" / "CACHEDIR.TAG").is_file()


def test_an_unreadable_entry_is_a_miss_and_is_replaced(tmp_path):
    cache = StageCache(tmp_path)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "k.pkl").write_bytes(b"\x80\x05 truncated by a killed run")
    compute, calls = counting([3])
    assert cache.get_or_compute("model", "k", compute) == ([3], False)
    assert cache.get_or_compute("model", "k", compute) == ([3], True)
    assert len(calls) == 1


def test_a_disabled_cache_always_computes_and_writes_nothing(tmp_path):
    cache = StageCache(None)
    compute, calls = counting(1)
    cache.get_or_compute("ingest", "k", compute)
    cache.get_or_compute("ingest", "k", compute)
    assert len(calls) == 2
    assert not any(tmp_path.iterdir())


def test_an_unwritable_cache_is_reported_and_the_work_goes_on(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    cache = StageCache(blocker)
    assert cache.get_or_compute("clean", "k", lambda: 5) == (5, False)
    assert str(blocker) in cache.write_problem


def test_keys_change_with_every_part_and_theme_order():
    base = stage_key("label", ["upstream", Config().label, [("a", ["x"]), ("b", ["y"])]])
    assert base == stage_key("label", ["upstream", Config().label, [("a", ["x"]), ("b", ["y"])]])
    assert base != stage_key("weigh", ["upstream", Config().label, [("a", ["x"]), ("b", ["y"])]])
    assert base != stage_key("label", ["other", Config().label, [("a", ["x"]), ("b", ["y"])]])
    changed = Config().label.model_copy(update={"other_threshold": 0.7})
    assert base != stage_key("label", ["upstream", changed, [("a", ["x"]), ("b", ["y"])]])
    assert base != stage_key("label", ["upstream", Config().label, [("b", ["y"]), ("a", ["x"])]])


def test_clear_removes_entries_and_nothing_else(tmp_path):
    cache = StageCache(tmp_path / "cache")
    cache.get_or_compute("clean", "k1", lambda: "x" * 1000)
    cache.get_or_compute("model", "k2", lambda: "y")
    (tmp_path / "cache" / "model" / ".tmp-k3-123").write_bytes(b"half")
    (tmp_path / "cache" / "notes.txt").write_text("the user's own file", encoding="utf-8")
    cleared = clear(tmp_path / "cache")
    assert cleared.entries == 2 and cleared.size_bytes > 1000
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["notes.txt"]
    assert clear(tmp_path / "absent").entries == 0


def test_cache_settings_stay_out_of_the_config_hash_and_the_saved_config():
    default, changed = Config(), load_config(None, ["cache.enabled=false", 'cache.dir="/elsewhere"'])
    assert default.hash() == changed.hash()
    assert default.to_toml(results_only=True) == changed.to_toml(results_only=True)
    assert "[cache]" not in default.to_toml(results_only=True) and "[cache]" in default.to_toml()


def test_the_cache_lives_under_the_output_dir_unless_a_dir_is_given():
    assert cache_dir(load_config(None, ['output_dir="runs"'])) == Path("runs") / ".cache"
    assert cache_dir(load_config(None, ['cache.dir="/tmp/c"'])) == Path("/tmp/c")


# --- the runner ------------------------------------------------------------------------------------------------


def test_a_lexicon_change_reuses_every_stage_before_label_and_matches_an_uncached_run(tiny_config):
    first = run(tiny_config())
    assert first.summary["reused_stages"] == []
    lexicon_change = 'lexicon.themes.streaming=["homepage", "stories"]'
    cached = run(tiny_config(lexicon_change))
    assert cached.summary["reused_stages"] == UPSTREAM
    uncached = run(tiny_config(lexicon_change, "cache.enabled=false", output="uncached"))
    assert uncached.summary["reused_stages"] == [] and uncached.summary["cache"] == ""
    # config.toml names the output folder, which differs on purpose here.
    assert_same_outputs(cached.run_dir, uncached.run_dir, except_names=("config.toml",))
    assert "streaming" in (cached.run_dir / "documents.csv").read_text(encoding="utf-8").splitlines()[0]


def test_a_labeling_change_reuses_the_model_and_a_rerun_reuses_everything(tiny_config):
    run(tiny_config())
    threshold = run(tiny_config("label.other_threshold=2.0"))
    assert threshold.summary["reused_stages"] == UPSTREAM
    again = run(tiny_config("label.other_threshold=2.0"))
    # Under the lexicon method the weights do not wait for the model: label and weigh come before it.
    everything = [*UPSTREAM[:-1], "label", "weigh", "model"]
    assert again.summary["reused_stages"] == everything
    assert_same_outputs(again.run_dir, threshold.run_dir)
    stages = json.loads((again.run_dir / "manifest.json").read_text(encoding="utf-8"))["stages"]
    assert [s["name"] for s in stages if s["reused"]] == everything


def test_warnings_of_a_reused_stage_are_given_again(tiny_config, tiny_corpus_dir):
    (tiny_corpus_dir / "empty.txt").write_text("", encoding="utf-8")
    first, again = run(tiny_config()), run(tiny_config())
    assert again.summary["reused_stages"][0] == "ingest"
    assert first.summary["skipped"] and again.summary["skipped"] == first.summary["skipped"]
    recorded = [read_manifest(r.run_dir)["warnings"] for r in (first, again)]
    assert recorded[0] and recorded[0] == recorded[1]


def test_an_edited_input_file_is_read_again(tiny_config, tiny_corpus_dir):
    run(tiny_config())
    (tiny_corpus_dir / "b_security.txt").write_text("Data security matters.\n\nEncryption protects data.\n")
    edited = run(tiny_config())
    assert edited.summary["reused_stages"] == []


def test_a_seeded_model_depends_on_the_lexicon(tiny_config):
    run(tiny_config("model.seeded=true", "model.num_topics=8"))
    changed = run(tiny_config("model.seeded=true", "model.num_topics=8", 'lexicon.themes.streaming=["homepage"]'))
    assert changed.summary["reused_stages"] == UPSTREAM[:-1]


# --- the command line ------------------------------------------------------------------------------------------


def test_run_says_what_it_reused_and_no_cache_turns_it_off(tiny_corpus_dir, tiny_run_overrides, tmp_path):
    args = ["run", "--input", str(tiny_corpus_dir), "--set", f"output_dir={toml_string(tmp_path / 'out')}"]
    args += [a for o in tiny_run_overrides for a in ("--set", o)]
    first = CliRunner().invoke(app, args, env=ENV)
    assert first.exit_code == 0, first.output
    assert "cache: reused no stage" in first.output
    second = CliRunner().invoke(app, args, env=ENV)
    assert "cache: reused ingest, clean, segment, tokenize, vectorize, label, weigh, model" in second.output
    off = CliRunner().invoke(app, [*args, "--no-cache"], env=ENV)
    assert off.exit_code == 0 and "cache: off" in off.output
    cleared = CliRunner().invoke(app, ["cache", "clear", "--set", f"output_dir={toml_string(tmp_path / 'out')}"], env=ENV)
    assert cleared.exit_code == 0, cleared.output
    assert "removed 8 cache entries" in cleared.output
    assert not (tmp_path / "out" / ".cache").exists()


def test_lines_and_paragraphs_come_back_as_they_went_in(tmp_path):
    from pipeline.types import Line, Paragraph

    lines = [[Line("a", 0, 4), Line("a", 5, 9, "title")], [], [Line("b", 0, 3)]]
    paragraphs = [Paragraph("a", 0, 0, 4, "text"), Paragraph("b", 0, 0, 3, "abc", "heading")]
    cache = StageCache(tmp_path)
    for stage, value in {"clean": (lines, []), "segment": (paragraphs, []), "mixed": ([Line("a", 0, 1), (1, 2)], [])}.items():
        cache.put(stage, "k", value)
        found, back = cache.get(stage, "k")
        assert found and back == value
        assert [type(x) for x in back[0]] == [type(x) for x in value[0]]


def test_the_prepared_documents_hold_no_text_and_the_manifest_counts_it(tiny_config):
    from pipeline.progress import SilentReporter
    from pipeline.runner import prepare
    from pipeline.stage_runner import Stages

    prepared = prepare(tiny_config(), Stages(SilentReporter(), StageCache(None)))
    assert all(d.text == "" for d in prepared.documents)
    assert all(entry["n_chars"] > 0 for entry in prepared.inputs)
    assert [entry["doc_id"] for entry in prepared.inputs] == [d.doc_id for d in prepared.documents]
