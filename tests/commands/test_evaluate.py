"""`themes evaluate`: tiny run folders and gold files with known answers, built in tmp_path."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.commands import evaluate as evaluation_module
from pipeline.cli import app
from pipeline.errors import InputError, MismatchError, PipelineError
from pipeline.commands.evaluate import evaluate, load_run, write_evaluation
from pipeline.commands.evaluate.gold import load_gold

LABELS = ["alpha", "beta", "other"]

# Per file: its paragraphs as (text, status, dominant theme); the text is joined with blank lines.
DOCS = {
    "a.txt": [
        ("A Title", "title", "other"),
        ("Alpha paragraph one.", "kept", "alpha"),
        ("Beta paragraph two.", "kept", "beta"),
        ("Alpha paragraph three.", "kept", "alpha"),
    ],
    "b.txt": [
        ("Beta only here.", "kept", "beta"),
        ("Photo by someone", "photo_caption", "other"),
    ],
    "c.txt": [("Not in gold.", "kept", "alpha")],
}
DOC_WEIGHTS = {"a.txt": [0.5, 0.5, 0.0], "b.txt": [0.0, 1.0, 0.0], "c.txt": [1.0, 0.0, 0.0]}


def doc_text(name: str) -> str:
    return "\n\n".join(text for text, _, _ in DOCS[name])


def make_run(folder: Path, docs: dict = DOCS, weights: dict = DOC_WEIGHTS) -> Path:
    """A run folder with paragraphs.csv and documents.csv in the pipeline's schema (weights one-hot)."""
    folder.mkdir(parents=True)
    paragraph_rows, document_rows = [], []
    for name, paragraphs in docs.items():
        source, doc_id = f"/corpus/{name}", name.removesuffix(".txt")
        start = 0
        for index, (text, status, dominant) in enumerate(paragraphs):
            row = {"doc_id": doc_id, "source": source, "paragraph": index, "start": start, "end": start + len(text)}
            row |= {"n_tokens": 3, "status": status, "dominant_theme": dominant}
            row |= {label: float(label == dominant) for label in LABELS}
            paragraph_rows.append(row | {"evidence": "", "text": text})
            start += len(text) + 2
        document_rows.append(
            {"doc_id": doc_id, "title": "t", "date": "", "source": source, "n_paragraphs": 1, "n_tokens": 3}
            | dict(zip(LABELS, weights[name]))
            | {"top_terms": ""}
        )
    pd.DataFrame(paragraph_rows).to_csv(folder / "paragraphs.csv", index=False)
    pd.DataFrame(document_rows).to_csv(folder / "documents.csv", index=False)
    return folder


def unit(uid: str, doc: str, text: str, primary: str, accept: list[str] | None = None) -> dict:
    start = doc_text(doc).index(text)
    return {
        "id": uid, "doc": doc, "start": start, "end": start + len(text), "text": text,
        "primary": primary, "accept": [primary] if accept is None else accept, "secondary": [],
    }


GOLD = [
    unit("a0", "a.txt", "A Title", "other"),  # dropped title -> other: right
    unit("a1", "a.txt", "Alpha paragraph one.", "alpha"),  # right
    unit("a2", "a.txt", "Beta paragraph two.", "alpha", ["alpha", "beta"]),  # beta accepted: right
    unit("a3", "a.txt", "Alpha paragraph three.", "beta"),  # alpha predicted: wrong
    unit("b0", "b.txt", "Beta only here.", "beta"),  # right
    unit("b1", "b.txt", "Photo by someone", "beta"),  # dropped caption -> other: wrong
]


def write_gold(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return make_run(tmp_path / "run")


@pytest.fixture
def gold_path(tmp_path: Path) -> Path:
    return write_gold(tmp_path / "gold.jsonl", GOLD)


def test_units_take_the_label_of_the_paragraph_they_fall_in(run_dir, gold_path):
    units = evaluate(run_dir, gold_path).units
    assert units["predicted"].tolist() == ["other", "alpha", "beta", "alpha", "beta", "other"]
    assert units["correct"].tolist() == [True, True, True, False, True, False]
    assert units["paragraph"].tolist() == [0, 1, 2, 3, 0, 1]
    assert units["status"].tolist() == ["title", "kept", "kept", "kept", "kept", "photo_caption"]
    assert units.loc[2, "accept"] == "alpha;beta"


def test_scores_use_the_accepted_label_as_effective_gold(run_dir, gold_path):
    result = evaluate(run_dir, gold_path)
    scores = result.per_theme.set_index("label")
    # effective gold: other, alpha, beta, beta, beta, beta; predicted: other, alpha, beta, alpha, beta, other
    assert scores.loc["alpha", ["precision", "recall", "support", "predicted"]].tolist() == [0.5, 1.0, 1, 2]
    assert scores.loc["beta", ["precision", "recall", "support", "predicted"]].tolist() == [1.0, 0.5, 4, 2]
    assert scores.loc["other", ["precision", "recall", "support", "predicted"]].tolist() == [0.5, 1.0, 1, 2]
    assert scores.loc["alpha", "f1"] == pytest.approx(2 / 3)
    assert result.macro_f1 == pytest.approx(2 / 3)
    assert result.accuracy == pytest.approx(4 / 6)
    confusion = result.confusion.set_index("gold")
    assert confusion.loc["beta"].tolist() == [1, 2, 1]
    assert confusion.to_numpy().sum() == 6


def test_gold_labels_that_are_not_run_labels_are_refused_by_name(run_dir, tmp_path):
    rows = [unit("a1", "a.txt", "Alpha paragraph one.", "gamma"), unit("a2", "a.txt", "Beta paragraph two.", "delta")]
    gold = write_gold(tmp_path / "g.jsonl", rows)
    with pytest.raises(MismatchError, match=r"2 label\(s\) are not labels of the run: 'gamma' \(line 1\), 'delta'"):
        evaluate(run_dir, gold)
    result = CliRunner().invoke(app, ["evaluate", str(run_dir), "--gold", str(gold)])
    assert result.exit_code == 2 and result.output.startswith(f"error: {gold}: 2 label(s) are not labels of the run")


def test_a_span_outside_its_document_is_refused(run_dir, tmp_path):
    end = len(doc_text("a.txt"))
    gold = write_gold(tmp_path / "g.jsonl", [{"id": "z", "doc": "a.txt", "start": end + 5, "end": end + 9, "primary": "other"}])
    result = CliRunner().invoke(app, ["evaluate", str(run_dir), "--gold", str(gold)])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {gold}:1: span {end + 5}-{end + 9} lies outside 'a.txt'")


def test_macro_skips_labels_without_gold_or_predictions(run_dir, tmp_path):
    gold = write_gold(tmp_path / "g.jsonl", [unit("a1", "a.txt", "Alpha paragraph one.", "alpha")])
    result = evaluate(run_dir, gold)
    assert result.labels == ["alpha", "beta", "other"]
    assert result.macro_labels == ["alpha"]
    assert result.summary()["macro_f1_labels"] == ["alpha"]


def test_largest_overlap_wins_and_no_overlap_predicts_other(run_dir, tmp_path):
    text = doc_text("a.txt")
    one = text.index("Alpha paragraph one.")
    two = text.index("Beta paragraph two.")
    rows = [
        {"id": "x", "doc": "a.txt", "start": one + 15, "end": two + 10, "primary": "beta", "accept": []},
        {"id": "y", "doc": "a.txt", "start": one + 5, "end": two + 2, "primary": "alpha", "accept": []},
        {"id": "z", "doc": "a.txt", "start": one + 20, "end": one + 22, "primary": "other"},  # the blank line
    ]
    units = evaluate(run_dir, write_gold(tmp_path / "g.jsonl", rows)).units
    assert units["predicted"].tolist() == ["beta", "alpha", "other"]
    assert units["paragraph"].tolist()[:2] == [2, 1]
    assert pd.isna(units.loc[2, "paragraph"])
    assert units["correct"].all()  # empty accept falls back to the primary label


def test_only_gold_documents_are_scored_and_distances_have_known_values(run_dir, gold_path):
    documents = evaluate(run_dir, gold_path).documents.set_index("doc")
    assert list(documents.index) == ["a.txt", "b.txt"]
    # b.txt: gold shares by text length beta 15, other 0 (both primaries are beta) vs weights beta 1.0
    assert documents.loc["b.txt", "tv_distance"] == pytest.approx(0.0)
    assert documents.loc["b.txt", "hellinger_distance"] == pytest.approx(0.0)
    # a.txt: gold other 7, alpha 20+19, beta 22 (of 68 chars) vs weights alpha .5, beta .5
    gold = {"alpha": 39 / 68, "beta": 22 / 68, "other": 7 / 68}
    predicted = {"alpha": 0.5, "beta": 0.5, "other": 0.0}
    tv = 0.5 * sum(abs(gold[k] - predicted[k]) for k in LABELS)
    hellinger = math.sqrt(0.5 * sum((math.sqrt(gold[k]) - math.sqrt(predicted[k])) ** 2 for k in LABELS))
    assert documents.loc["a.txt", "tv_distance"] == pytest.approx(tv)
    assert documents.loc["a.txt", "hellinger_distance"] == pytest.approx(hellinger)
    assert documents.loc["a.txt", "tv_distance_themes"] == pytest.approx(abs(39 / 61 - 0.5))


def test_documents_match_by_doc_id_when_the_file_name_differs(tmp_path):
    run = make_run(tmp_path / "run")
    paragraphs = pd.read_csv(run / "paragraphs.csv")
    paragraphs["source"] = paragraphs["source"].str.replace(".txt", ".md")
    paragraphs.to_csv(run / "paragraphs.csv", index=False)
    documents = pd.read_csv(run / "documents.csv")
    documents["source"] = documents["source"].str.replace(".txt", ".md")
    documents.to_csv(run / "documents.csv", index=False)
    assert evaluate(run, write_gold(tmp_path / "g.jsonl", GOLD)).accuracy == pytest.approx(4 / 6)


def test_gold_document_missing_from_the_run_is_named(run_dir, tmp_path):
    rows = [*GOLD[:2], {**GOLD[0], "id": "q", "doc": "zzz.txt"}]
    with pytest.raises(MismatchError, match=r"g\.jsonl:3: doc 'zzz\.txt' is not among the documents"):
        evaluate(run_dir, write_gold(tmp_path / "g.jsonl", rows))


def test_gold_offsets_into_a_different_text_are_refused(run_dir, tmp_path):
    rows = [{**GOLD[1], "text": "Something else entirely"}]
    with pytest.raises(InputError, match=r"g\.jsonl:1: text at .* differs from the run's"):
        evaluate(run_dir, write_gold(tmp_path / "g.jsonl", rows))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"g\.jsonl:2: not valid JSON"),
        ("[1, 2]", r"g\.jsonl:2: expected a JSON object"),
        ('{"id": "x", "doc": "a.txt", "start": 0, "end": 3}', r"g\.jsonl:2: missing key\(s\) primary"),
        ('{"id": "x", "doc": "a.txt", "start": 5, "end": 5, "primary": "alpha"}', r"g\.jsonl:2: start/end"),
        ('{"id": "x", "doc": "a.txt", "start": "0", "end": 5, "primary": "alpha"}', r"g\.jsonl:2: start/end"),
        ('{"id": "x", "doc": "a.txt", "start": 0, "end": 5, "primary": ""}', r"g\.jsonl:2: 'primary' must"),
        ('{"id": "x", "doc": "a.txt", "start": 0, "end": 5, "primary": "a", "accept": "a"}', r"g\.jsonl:2: 'accept'"),
        (json.dumps({**GOLD[1], "id": GOLD[0]["id"]}), r"g\.jsonl:2: id 'a0' already used on line 1"),
    ],
)
def test_bad_gold_lines_are_named(tmp_path, line, message):
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(GOLD[0]) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_gold(path)


def test_empty_or_missing_gold_file(tmp_path):
    (tmp_path / "g.jsonl").write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="no gold units"):
        load_gold(tmp_path / "g.jsonl")
    with pytest.raises(InputError, match="does not exist"):
        load_gold(tmp_path / "missing.jsonl")


def test_bad_run_folders_are_named(tmp_path):
    with pytest.raises(InputError, match="not a run folder"):
        load_run(tmp_path / "nowhere")
    run = make_run(tmp_path / "run")
    (run / "documents.csv").unlink()
    with pytest.raises(InputError, match=r"documents\.csv: missing"):
        load_run(run)
    pd.DataFrame({"doc_id": ["a"], "source": ["a.txt"]}).to_csv(run / "documents.csv", index=False)
    with pytest.raises(InputError, match=r"documents\.csv: missing theme column\(s\) alpha, beta, other"):
        load_run(run)


def test_write_evaluation_files_and_schemas(run_dir, gold_path):
    out = write_evaluation(evaluate(run_dir, gold_path), run_dir / "evaluation")
    assert sorted(p.name for p in out.iterdir()) == [
        "confusion.csv", "documents.csv", "manifest.json", "per_theme.csv", "summary.json", "units.csv",
    ]
    units = pd.read_csv(out / "units.csv")
    expected = ["id", "doc", "start", "end", "primary", "accept", "predicted", "correct", "paragraph", "status"]
    assert list(units.columns) == expected
    assert list(pd.read_csv(out / "confusion.csv").columns) == ["gold", *LABELS]
    assert "0.666667" in (out / "per_theme.csv").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["n_units"] == 6
    assert summary["accuracy"] == 0.666667
    assert set(summary) >= {"macro_f1", "accuracy", "n_units", "mean_tv_distance", "mean_hellinger_distance"}


def test_a_failed_write_leaves_the_earlier_evaluation_whole(run_dir, gold_path, monkeypatch):
    result = evaluate(run_dir, gold_path)
    out = write_evaluation(result, run_dir / "evaluation")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []

    def failing_write(frame, path):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        frame.to_csv(path, index=False)

    monkeypatch.setattr(evaluation_module, "_write_csv", failing_write)
    with pytest.raises(PipelineError, match="No space left on device"):
        write_evaluation(result, run_dir / "evaluation")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in run_dir.iterdir()) == ["documents.csv", "evaluation", "paragraphs.csv"]


def test_a_second_evaluation_replaces_the_first(run_dir, gold_path, tmp_path):
    write_evaluation(evaluate(run_dir, gold_path), run_dir / "evaluation")
    (run_dir / "evaluation" / "stale.txt").write_text("old", encoding="utf-8")
    smaller = write_gold(tmp_path / "small.jsonl", GOLD[:2])
    out = write_evaluation(evaluate(run_dir, smaller), run_dir / "evaluation")
    assert not (out / "stale.txt").exists()
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["n_units"] == 2
    assert sorted(p.name for p in run_dir.iterdir()) == ["documents.csv", "evaluation", "paragraphs.csv"]


def test_cli_prints_scores_and_writes_the_folder(run_dir, gold_path, tmp_path):
    arguments = ["evaluate", str(run_dir), "--gold", str(gold_path), "--out", str(tmp_path / "e")]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    printed = " ".join(result.output.split())  # rich wraps long lines at the test console's width
    assert "macro-F1 0.667" in printed
    assert "accuracy 0.667 (4/6 units)" in printed
    assert (tmp_path / "e" / "summary.json").is_file()
    assert not (run_dir / "evaluation").exists()


def test_cli_bad_gold_is_one_line_and_exit_code_1(run_dir, tmp_path):
    gold = tmp_path / "g.jsonl"
    gold.write_text(json.dumps(GOLD[0]) + "\n{oops\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(run_dir), "--gold", str(gold)])
    assert result.exit_code == 1
    printed = " ".join(result.output.split())
    assert printed.startswith("error:") and "g.jsonl:2: not valid JSON" in printed
    assert "Traceback" not in result.output
    assert not (run_dir / "evaluation").exists()


# ------------------------------------------------------------------------------------------- whole documents

# Document weights (alpha, beta, other): "other" outweighs both themes in d, and nothing but "other" is in e.
LABELED = {"a.txt": [0.5, 0.5, 0.0], "b.txt": [0.0, 1.0, 0.0], "c.txt": [0.1, 0.3, 0.6], "d.txt": [0.3, 0.1, 0.6],
           "e.txt": [0.0, 0.0, 1.0]}  # fmt: skip


@pytest.fixture
def labeled_run(tmp_path: Path) -> Path:
    docs = {name: [("Some text.", "kept", "alpha")] for name in LABELED}
    return make_run(tmp_path / "labeled", docs, LABELED)


def test_whole_document_gold_scores_each_documents_top_theme(labeled_run, tmp_path):
    gold = tmp_path / "labels.csv"
    gold.write_text("doc,primary\na.txt,alpha\nb.txt,beta\nc,alpha\nd.txt,alpha\ne.txt,other\n", encoding="utf-8")
    evaluation = evaluate(labeled_run, gold)
    units = evaluation.units.set_index("id")
    # Ties go to the first theme; "other" is not a candidate unless no theme has weight.
    assert units["predicted"].tolist() == ["alpha", "beta", "beta", "alpha", "other"]
    assert units["correct"].tolist() == [True, True, False, True, True]
    assert units["predicted_with_other"].tolist() == ["alpha", "beta", "other", "other", "other"]
    assert units.loc["c", "doc_id"] == "c" and units.loc["d.txt", "weight"] == pytest.approx(0.3)
    summary = evaluation.summary()
    assert (summary["level"], summary["accuracy"], summary["accuracy_with_other"]) == ("document", 0.8, 0.6)
    assert summary["n_units"] == 5 and summary["n_documents"] == 5
    # One-hot gold shares: TV distance is 1 - the weight of the gold label.
    assert evaluation.documents.set_index("doc")["tv_distance"].tolist() == pytest.approx([0.5, 0.0, 0.9, 0.7, 0.0])


def test_whole_document_gold_matches_folder_and_name_and_prints_both_accuracies(tmp_path):
    docs = {"sport/001.txt": [("Match.", "kept", "alpha")], "tech/001.txt": [("Chip.", "kept", "beta")]}
    run = make_run(tmp_path / "run", docs, {"sport/001.txt": [0.9, 0.1, 0.0], "tech/001.txt": [0.2, 0.3, 0.5]})
    gold = write_gold(tmp_path / "g.jsonl", [{"doc": "sport/001.txt", "primary": "alpha"},
                                             {"doc": "tech/001.txt", "primary": "beta", "accept": ["beta", "other"]}])
    result = CliRunner().invoke(app, ["evaluate", str(run), "--gold", str(gold), "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    printed = " ".join(result.output.split())
    assert "accuracy 1.000 (2/2 documents, each its top theme)" in printed
    assert 'accuracy 1.000 (2/2) when "other" may win' in printed
    units = pd.read_csv(tmp_path / "e" / "units.csv", keep_default_na=False)
    assert units["doc_id"].tolist() == ["sport/001", "tech/001"]
    with pytest.raises(MismatchError, match="'001.txt' matches several documents"):
        evaluate(run, write_gold(tmp_path / "h.jsonl", [{"doc": "001.txt", "primary": "alpha"}]))


def test_a_gold_file_mixing_spans_and_whole_documents_is_refused(tmp_path):
    path = write_gold(tmp_path / "g.jsonl", [GOLD[0], {"doc": "b.txt", "primary": "beta"}])
    with pytest.raises(InputError, match=r"g\.jsonl:2: no start/end, unlike line 1; a gold file codes either"):
        load_gold(path)


def test_gold_as_csv_reads_offsets_and_accept_lists(run_dir, gold_path, tmp_path):
    rows = pd.DataFrame(GOLD).drop(columns=["secondary"]).assign(accept=lambda f: f["accept"].map(";".join))
    rows.to_csv(tmp_path / "gold.csv", index=False)
    from_csv = evaluate(run_dir, tmp_path / "gold.csv").summary()
    from_jsonl = evaluate(run_dir, gold_path).summary()
    assert {k: v for k, v in from_csv.items() if k != "gold"} == {k: v for k, v in from_jsonl.items() if k != "gold"}


@pytest.fixture
def same_names_run(tmp_path: Path) -> Path:
    """Two folders holding the same file names, with doc_ids as ingest gives them: the stem, then stem-2."""
    docs = {name: [("Text.", "kept", "alpha")] for name in ("tech/001.txt", "sport/001.txt", "sport/002.txt")}
    run = make_run(tmp_path / "same", docs, {"tech/001.txt": [0.1, 0.9, 0.0], "sport/001.txt": [0.9, 0.1, 0.0],
                                            "sport/002.txt": [0.8, 0.2, 0.0]})  # fmt: skip
    ids = {"tech/001": "001", "sport/001": "001-2", "sport/002": "002"}
    for name in ("documents.csv", "paragraphs.csv"):
        frame = pd.read_csv(run / name, keep_default_na=False, dtype={"doc_id": str})
        frame.assign(doc_id=frame["doc_id"].map(ids)).to_csv(run / name, index=False)
    return run


def test_a_folder_and_name_matches_by_path_suffix_never_a_same_numbered_file_elsewhere(same_names_run, tmp_path):
    gold = write_gold(tmp_path / "g.jsonl", [{"doc": "sport/001.txt", "primary": "alpha"},
                                             {"doc": "corpus/tech/001.txt", "primary": "beta"},
                                             {"doc": "002.txt", "primary": "alpha"}])  # fmt: skip
    units = evaluate(same_names_run, gold).units
    assert units["doc_id"].tolist() == ["001-2", "001", "002"]
    assert units["correct"].all()


@pytest.mark.parametrize(
    ("doc", "message"),
    [("001.txt", "'001.txt' matches several documents"), ("news/001.txt", "'news/001.txt' is not among the documents"),
     ("other/sport/001.txt", "'other/sport/001.txt' is not among")],
)  # fmt: skip
def test_an_ambiguous_or_unmatched_document_is_a_one_line_error_naming_it(same_names_run, tmp_path, doc, message):
    gold = write_gold(tmp_path / "g.jsonl", [{"doc": "sport/002.txt", "primary": "alpha"}, {"doc": doc, "primary": "a"}])
    result = CliRunner().invoke(app, ["evaluate", str(same_names_run), "--gold", str(gold), "--out", str(tmp_path / "e")])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split()) and "g.jsonl:2" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "e").exists()
