"""commands/similarity.py on planted weight matrices with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import ConfigError
from pipeline.commands import run_changes
from pipeline.commands import similarity as stage

LABELS = ["security", "economy", "welfare", "other"]
THEMES = LABELS[:-1]
# d0 and d1 are both about security, d2 is about the economy, d3 is an even mix; d4 has no kept paragraphs.
PROFILES = {
    "d0": [0.70, 0.10, 0.10, 0.10],
    "d1": [0.60, 0.20, 0.10, 0.10],
    "d2": [0.05, 0.80, 0.05, 0.10],
    "d3": [0.25, 0.25, 0.25, 0.25],
    "d4": [0.00, 0.00, 0.00, 1.00],
}
DATES = ["2019-05-01", "2019-11-30", "2020", "2021-02-03", ""]


def documents() -> pd.DataFrame:
    frame = pd.DataFrame(list(PROFILES.values()), columns=LABELS)
    frame.insert(0, "doc_id", list(PROFILES))
    frame.insert(1, "title", [f"Title {doc_id}" for doc_id in PROFILES])
    frame.insert(2, "date", DATES)
    frame.insert(3, "n_paragraphs", [3, 2, 4, 1, 0])
    frame.insert(4, "n_tokens", [30, 20, 40, 10, 0])
    return frame


@pytest.mark.parametrize("metric", list(stage.METRICS))
def test_similarity_is_symmetric_with_ones_on_the_diagonal(metric):
    weights = documents()[LABELS].to_numpy()
    similarity = stage.similarity_matrix(weights, metric)
    assert similarity.shape == (5, 5)
    assert np.array_equal(similarity, similarity.T)
    assert np.all(np.diag(similarity) == 1.0)
    assert np.all((similarity >= 0) & (similarity <= 1))


def test_known_values_of_each_metric():
    p, q = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    for metric in stage.METRICS:
        assert stage.pairwise_similarity(p, q, metric)[0, 0] == pytest.approx(0.0, abs=1e-12)
    p, q = np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]])
    hellinger = math.sqrt(0.5 * ((math.sqrt(0.5) - 1) ** 2 + 0.5))
    assert stage.pairwise_similarity(p, q, "hellinger")[0, 0] == pytest.approx(1 - hellinger)
    assert stage.pairwise_similarity(p, q, "cosine")[0, 0] == pytest.approx(math.sqrt(0.5))
    # JSD(p, q) in bits: H(m) - (H(p) + H(q)) / 2 with m = (0.75, 0.25).
    jsd = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)) - 0.5
    assert stage.pairwise_similarity(p, q, "jensen_shannon")[0, 0] == pytest.approx(1 - math.sqrt(jsd))


def test_metric_names_are_checked():
    assert stage.resolve_metric("Jensen-Shannon") == "jensen_shannon"
    with pytest.raises(ConfigError, match="--metric 'euclid': expected one of hellinger, jensen_shannon, cosine"):
        stage.resolve_metric("euclid")


def test_similarity_table_names_documents_by_id_and_title():
    table = stage.similarity_table(documents(), LABELS, "hellinger")
    assert list(table.columns) == ["doc_id", "title", *PROFILES]
    assert table["title"].tolist() == [f"Title {d}" for d in PROFILES]


def test_nearest_document_is_the_planted_one():
    nearest = stage.nearest_table(stage.similarity_table(documents(), LABELS, "hellinger"), top=2)
    first = nearest[nearest["rank"] == 1].set_index("doc_id")["neighbor_id"]
    assert first["d0"] == "d1" and first["d1"] == "d0"
    assert (nearest["doc_id"] != nearest["neighbor_id"]).all()
    assert nearest.groupby("doc_id").size().eq(2).all()


def test_distinctive_theme_is_the_one_furthest_above_the_corpus_mean():
    docs = documents()
    mean = stage.corpus_mean(docs, LABELS)
    # d4 has no kept paragraphs: it does not pull the mean towards "other".
    assert mean["security"] == pytest.approx((0.70 + 0.60 + 0.05 + 0.25) / 4)
    table = stage.distinctive_table(docs, THEMES, mean)
    top = table[table["rank"] == 1].set_index("doc_id")["theme"]
    assert top["d0"] == "security" and top["d2"] == "economy" and top["d3"] == "welfare"
    row = table[(table["doc_id"] == "d2") & (table["theme"] == "economy")].iloc[0]
    assert row["difference"] == pytest.approx(0.80 - mean["economy"])
    assert row["ratio"] == pytest.approx(0.80 / mean["economy"])
    assert set(table["theme"]) == set(THEMES)


def test_group_values_by_date_part():
    dates = pd.Series(DATES)
    assert stage.group_values(dates, "year", "date:year").tolist() == ["2019", "2019", "2020", "2021", ""]
    assert stage.group_values(dates, "decade", "date:decade").tolist() == ["2010s", "2010s", "2020s", "2020s", ""]
    assert stage.group_values(dates, "month", "date:month").tolist() == ["2019-05", "2019-11", "", "2021-02", ""]
    assert stage.group_values(pd.Series(["CHN", "USA"]), "", "country").tolist() == ["CHN", "USA"]
    with pytest.raises(ConfigError, match=r"--by country:year: values are not dates \(e.g. 'CHN'\)"):
        stage.group_values(pd.Series(["CHN", "USA"]), "year", "country:year")
    with pytest.raises(ConfigError, match="unknown part 'week'"):
        stage.group_values(dates, "week", "date:week")


def test_group_table_counts_the_documents_behind_each_mean():
    docs = documents()
    table = stage.group_table(docs, LABELS, stage.group_values(docs["date"], "year", "date:year"))
    assert table["group"].tolist() == ["2019", "2020", "2021", ""]
    assert table["n_documents"].tolist() == [2, 1, 1, 0]
    assert table["n_documents_empty"].tolist() == [0, 0, 0, 1]
    assert table["n_paragraphs"].tolist() == [5, 4, 1, 0]
    assert table.loc[0, "security"] == pytest.approx(0.65)
    assert math.isnan(table.loc[3, "security"])


def test_groups_sort_numbers_numerically():
    docs = documents()
    groups = stage.group_table(docs, LABELS, pd.Series(["10", "9", "b", "a", "100"]))["group"].tolist()
    assert groups == ["9", "10", "100", "a", "b"]


def test_pair_profile_ranks_themes_by_difference_and_leaves_other_unranked():
    docs = documents().set_index("doc_id")
    mean = stage.corpus_mean(documents(), LABELS)
    profile = stage.pair_profile(docs.loc["d0"], docs.loc["d2"], LABELS, mean)
    assert profile["theme"].tolist() == LABELS
    assert profile["difference"].tolist() == pytest.approx([0.65, -0.70, 0.05, 0.0])
    assert profile["rank"].tolist()[:3] == [2, 1, 3]
    assert pd.isna(profile["rank"].iloc[3])


def test_supporting_paragraphs_are_the_kept_ones_weighing_most():
    paragraphs = pd.DataFrame(
        {
            "doc_id": ["a", "a", "a", "a", "b"],
            "paragraph": [0, 1, 2, 3, 0],
            "start": [0, 10, 20, 30, 0],
            "end": [9, 19, 29, 39, 9],
            "status": ["kept", "kept", "byline", "kept", "kept"],
            "dominant_theme": ["security", "economy", "other", "security", "security"],
            "security": [0.5, 0.1, 0.0, 0.5, 0.9],
            "source": "a.txt",
            "text": ["p0", "p1", "p2", "p3", "b0"],
        }
    )
    chosen = stage.supporting_paragraphs(paragraphs, "a", "security", top=2)
    assert chosen["paragraph"].tolist() == [0, 3]  # a tie goes to the earlier paragraph
    assert chosen["rank"].tolist() == [1, 2]
    assert stage.supporting_paragraphs(paragraphs, "a", "security", top=5, min_weight=0.2)["paragraph"].tolist() == [0, 3]
    assert list(chosen.columns) == [
        "theme", "doc_id", "rank", "paragraph", "start", "end", "weight", "dominant_theme", "source", "text",
    ]


def test_weight_changes_of_a_run_against_itself_are_zero():
    docs = documents()
    changes = run_changes.weight_changes(docs, docs, LABELS)
    assert changes[LABELS].to_numpy().tolist() == np.zeros((5, 4)).tolist()
    assert changes["total_variation"].eq(0).all()
    themes = run_changes.theme_changes(docs, docs, changes, LABELS)
    assert themes["mean_abs_change"].eq(0).all() and themes["max_change_doc"].eq("").all()


def test_weight_changes_align_documents_and_labels():
    a = documents()
    b = a.iloc[::-1].drop(columns=["welfare"]).reset_index(drop=True)  # other order, one theme gone
    b.loc[b["doc_id"] == "d0", ["security", "economy"]] = [0.5, 0.3]
    changes = run_changes.weight_changes(a, b, LABELS).set_index("doc_id")
    assert changes.index.tolist() == list(PROFILES)
    assert changes.loc["d0", "security"] == pytest.approx(-0.2)
    assert changes.loc["d0", "economy"] == pytest.approx(0.2)
    assert changes.loc["d2", "welfare"] == pytest.approx(-0.05)


def test_hungarian_matching_recovers_permuted_topics_over_different_vocabularies():
    rng = np.random.default_rng(0)
    topic_term = rng.dirichlet(np.ones(6) * 0.3, size=4)
    terms = ["a", "b", "c", "d", "e", "f"]
    permutation = [2, 0, 3, 1]
    reordered_terms = terms[::-1]
    other = topic_term[permutation][:, ::-1]
    wide_a, wide_b = run_changes.common_vocabulary(terms, topic_term, reordered_terms, other)
    matches = run_changes.match_topics(wide_a, wide_b, "hellinger")
    assert [(i, j) for i, j, _ in matches] == [(i, permutation.index(i)) for i in range(4)]
    assert all(s == pytest.approx(1.0) for _, _, s in matches)


def test_topic_table_lists_unmatched_topics():
    topics_a = pd.DataFrame({"topic": [0, 1], "theme": ["x", "y"], "top_terms": ["t0", "t1"]})
    topics_b = pd.DataFrame({"topic": [0, 1, 2], "theme": ["y", "x", "z"], "top_terms": ["u0", "u1", "u2"]})
    table = run_changes.topic_matches_table(topics_a, topics_b, [(0, 1, 0.9), (1, 0, 0.8)])
    assert table["topic_b"].tolist() == [1, 0, 2]
    assert pd.isna(table["topic_a"].iloc[2]) and table["theme_b"].iloc[2] == "z"
    assert table["same_theme"].tolist() == [True, True, False]


def test_config_changes_list_differing_keys_only():
    a = {"seed": 1, "model": {"num_topics": 10, "alpha": "symmetric"}, "tokenize": {"stopwords": ["sklearn"]}}
    b = {"seed": 1, "model": {"num_topics": 12, "alpha": "symmetric"}, "tokenize": {"stopwords": ["gensim"]}}
    table = run_changes.config_changes(a, b)
    assert table.to_dict("records") == [
        {"key": "model.num_topics", "value_a": "10", "value_b": "12"},
        {"key": "tokenize.stopwords", "value_a": '["sklearn"]', "value_b": '["gensim"]'},
    ]
    assert run_changes.config_changes(a, a).empty
