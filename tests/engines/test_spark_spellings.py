"""Readable terms over parts of a corpus: the per-partition limits that make span counts add up to the local
engine's (its first SPANS_PER_TERM spans of a term in corpus order, cut at a paragraph). No Spark needed."""

from __future__ import annotations

import pytest

pytest.importorskip("pyspark", reason='the Spark engine needs pip install "theme-pipeline[spark]"')

from pipeline.engines.spark.spellings import _limits  # noqa: E402
from pipeline.stages.surface import SPANS_PER_TERM  # noqa: E402


def test_a_partition_counts_only_its_share_of_a_terms_first_spans():
    per_part = [("a", 0, 200), ("a", 1, 150), ("a", 2, 50), ("b", 0, 10), ("b", 1, 5)]
    assert SPANS_PER_TERM == 300
    # "a": 200 in the first partition, so the second may count 100 more and the third none; "b" never reaches
    # the cap, so every partition counts all of its spans.
    assert _limits(per_part) == {1: {"a": 100}, 2: {"a": 0}}


def test_partitions_are_taken_in_corpus_order_whatever_order_the_rows_arrive_in():
    rows = [("a", 2, 300), ("a", 0, 300), ("a", 1, 300)]
    assert _limits(rows) == {1: {"a": 0}, 2: {"a": 0}}
