"""Spark: ingest, clean, segment and tokenize where the data is, with the runner's own stage functions.

A document is one row (its `Document`, paragraphs and tokens pickled), so a partition always holds whole
documents: every per-document rule (headings, document context) sees what it sees in one process. The corpus-
wide lines shared across documents are a Spark aggregation, handed to `clean` as known boilerplate.
"""

from __future__ import annotations

import pickle
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from pipeline.config import Config
from pipeline.errors import InputError, PipelineWarning
from pipeline.stages.clean import clean, normalize_line, shared_boilerplate, split_lines
from pipeline.stages.ingest import input_files, read_file, table_document
from pipeline.stages.segment import segment
from pipeline.stages.tokenize import CONTEXT_REASONS, tokenize_chunk

DOCS_SCHEMA = "doc_order long, doc_id string, sha256 string, doc binary, warned binary"
SEGMENTED_SCHEMA = "doc_order long, doc binary, paragraphs binary, tokens binary, displays binary, boilerplate binary"
# Documents of one input file are numbered below this, so the number orders them as the local engine does.
_PER_FILE = 2**32
_TABLE_SUFFIXES = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".csv": "csv"}


def spark_input(path: str) -> str:
    """The Spark reader for an `ingest.path` Spark must read itself (a URI or a Parquet dataset), else ""."""
    suffix = Path(path.rstrip("/")).suffix.lower()
    if "://" in path or suffix == ".parquet":
        return _TABLE_SUFFIXES.get(suffix, "")
    return ""


def read_documents(spark: Any, config: Config, partitions: int) -> Any:
    """One row per document, spread over `partitions`: files listed here and read by the executors, or a table
    (Parquet, JSON Lines, CSV) at any path Spark reads, each row a document as in a local .csv/.jsonl file."""
    raw = config.ingest.path
    if raw and "://" in raw and not spark_input(raw):
        raise InputError(f"ingest.path: {raw} must end in .parquet, .jsonl, .json or .csv for Spark to read it")
    if raw and spark_input(raw):
        return _read_table(spark, config, raw, spark_input(raw), partitions)
    files = [str(p) for p in input_files(config.ingest)]
    listing = spark.createDataFrame(pd.DataFrame({"file": list(range(len(files))), "path": files}))
    ingest_config = config.ingest

    def read(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in frames:
            rows = []
            for number, path in zip(frame["file"], frame["path"]):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", PipelineWarning)
                    documents = read_file(Path(path), ingest_config)
                given = pickle.dumps([w.message for w in caught if isinstance(w.message, PipelineWarning)])
                for i, doc in enumerate(documents):
                    rows.append((int(number) * _PER_FILE + i, doc.doc_id, doc.sha256, pickle.dumps(doc), given if i == 0 else None))
                if not documents:
                    rows.append((int(number) * _PER_FILE, None, None, None, given))
            yield pd.DataFrame(rows, columns=["doc_order", "doc_id", "sha256", "doc", "warned"])

    return listing.repartition(max(1, min(partitions, len(files))), "file").mapInPandas(read, DOCS_SCHEMA)


def _read_table(spark: Any, config: Config, raw: str, reader: str, partitions: int) -> Any:
    from pyspark.sql import functions as F

    options = {"header": "true", "multiLine": "true", "escape": '"'} if reader == "csv" else {}
    table = spark.read.format(reader).options(**options).load(raw)
    ingest_config, stem = config.ingest, Path(raw.rstrip("/")).stem
    # Row numbers follow the files' own order on the same input and partitioning.
    table = table.withColumn("_row", F.monotonically_increasing_id())

    def build(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in frames:
            rows = []
            for record in frame.to_dict("records"):
                number = int(record.pop("_row"))
                record = {k: v for k, v in record.items() if not (isinstance(v, float) and pd.isna(v))}
                doc = table_document(stem, f"{raw}#{number}", f"{raw} row {number}", record, "utf-8", ingest_config)
                if doc is not None:
                    rows.append((number, doc.doc_id, doc.sha256, pickle.dumps(doc), None))
            yield pd.DataFrame(rows, columns=["doc_order", "doc_id", "sha256", "doc", "warned"])

    return table.repartition(partitions).mapInPandas(build, DOCS_SCHEMA)


def check_documents(docs: Any) -> tuple[int, list[PipelineWarning]]:
    """How many documents there are and the warnings ingest gave; refuses ids or contents given twice, which the
    local engine renames and merges (over the whole corpus at once) and this engine does not."""
    from pyspark.sql import functions as F

    given = [w for row in docs.where(F.col("warned").isNotNull()).select("warned").collect() for w in pickle.loads(row[0])]
    real = docs.where(F.col("doc").isNotNull())
    for column, what in (("doc_id", "document id"), ("sha256", "document content (sha256)")):
        repeated = real.groupBy(column).count().where("count > 1").limit(1).collect()
        if repeated:
            raise InputError(
                f"ingest.path: the {what} {repeated[0][0]!r} occurs more than once; the spark engine needs each once "
                '(engine = "local" renames and merges repeats)'
            )
    n = real.count()
    if not n:
        raise InputError("ingest.path: none of the input files holds text to analyse (each was empty or binary)")
    return n, given


def shared_lines(docs: Any, config: Config) -> frozenset[str]:
    """Normalized lines of 3+ words in at least `clean.min_documents` documents: `clean`'s corpus-wide count, as
    an aggregation. Only these lines come back to the driver."""
    if not (config.clean.enabled and config.clean.repeated_across_documents):
        return frozenset()

    def lines(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in frames:
            found = []
            for blob in frame["doc"]:
                text = pickle.loads(blob).text
                norms = {normalize_line(text[start:end]) for start, end in split_lines(text)}
                found.extend(norm for norm in norms if norm.count(" ") >= 2)
            yield pd.DataFrame({"line": found}, dtype=object)

    counted = docs.where("doc is not null").mapInPandas(lines, "line string").groupBy("line").count()
    return frozenset(row[0] for row in counted.where(f"count >= {config.clean.min_documents}").collect())


def segmented(docs: Any, config: Config, known: frozenset[str], partitions: int) -> Any:
    """Per document: its paragraphs (clean -> segment) and each paragraph's tokens (before phrases); per
    partition, on its first row, the (token, written form) counts that pick each token's display form and the
    shared lines it dropped (`themes infer` drops them too)."""
    clean_config, segment_config, tokenize_config = config.clean, config.segment, config.tokenize

    def run(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        parts = [f for f in frames if len(f)]
        if not parts:
            return
        frame = pd.concat(parts).sort_values("doc_order")
        documents = [pickle.loads(blob) for blob in frame["doc"]]
        lines = clean(documents, clean_config, known)
        paragraphs = segment(documents, lines, segment_config)
        dropped_shared = pickle.dumps(shared_boilerplate(documents, lines))
        texts = [p.text if p.kept or p.drop_reason in CONTEXT_REASONS else "" for p in paragraphs]
        chunk = tokenize_chunk(texts, tokenize_config)
        ends = chunk.lengths.cumsum()
        tokens = [chunk.tokens[i] for i in chunk.ids.tolist()]
        per_paragraph = [tokens[end - n : end] for n, end in zip(chunk.lengths.tolist(), ends.tolist())]
        displays: Counter[tuple[str, str]] = Counter()
        for token, word, count in chunk.displays:  # several words may show the same way
            displays[token, word] += count
        rows, at = [], 0
        for doc_order, doc_blob, doc in zip(frame["doc_order"], frame["doc"], documents):
            n = sum(1 for _ in _own(paragraphs, at, doc.doc_id))
            rows.append((
                doc_order, doc_blob, pickle.dumps(paragraphs[at : at + n]), pickle.dumps(per_paragraph[at : at + n]),
                pickle.dumps(displays) if not rows else None, dropped_shared if not rows else None,
            ))
            at += n
        yield pd.DataFrame(rows, columns=["doc_order", "doc", "paragraphs", "tokens", "displays", "boilerplate"])

    # Ranges of documents per partition: the partitions in order hold the documents in order.
    real = docs.where("doc is not null").select("doc_order", "doc")
    return real.repartitionByRange(partitions, "doc_order").mapInPandas(run, SEGMENTED_SCHEMA)


def _own(paragraphs: list, start: int, doc_id: str) -> Iterator[Any]:
    """The paragraphs from `start` on that belong to `doc_id` (segment lists each document's in order)."""
    for p in paragraphs[start:]:
        if p.doc_id != doc_id:
            return
        yield p


def boilerplate(segmented: Any) -> list[str]:
    """The normalized lines dropped as shared across documents, sorted, as `shared_boilerplate` lists them."""
    found = segmented.where("boilerplate is not null").select("boilerplate").collect()
    return sorted({line for row in found for line in pickle.loads(row[0])})
