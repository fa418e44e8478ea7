"""Spark: the weight tables written from the executors' frames: one CSV each for a small run (streamed to the
driver a partition at a time, in document order, byte for byte as the local engine writes them) or partitioned
Parquet folders for a large one (written by the executors)."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from pipeline.report.files import ParagraphDigest, heaviest_rows
from pipeline.store.artifacts import KEPT, write_csv

_SPARK_TYPES = {"i": "long", "u": "long", "f": "double", "b": "boolean"}


def write_tables(tables: Any, folder: Path, parquet: bool) -> list[str]:
    """paragraphs and documents tables into `folder`; returns the names written."""
    names = []
    for kind in ("paragraphs", "documents"):
        rows = tables.where(f"kind = '{kind}'")
        if parquet:
            names.append(_write_parquet(rows, folder / f"{kind}.parquet"))
        else:
            names.append(_write_csv(rows, folder / f"{kind}.csv"))
    return names


def _write_csv(rows: Any, path: Path) -> str:
    header = True
    with path.open("w", encoding="utf-8", newline="") as out:
        for row in rows.orderBy("part", "chunk").toLocalIterator():
            frame = pickle.loads(row["frame"])
            if header or len(frame):
                _append(frame, out, header)
                header = False
    return path.name


def _append(frame: pd.DataFrame, out: Any, header: bool) -> None:
    from io import StringIO

    buffer = StringIO()
    write_csv(frame, buffer)
    text = buffer.getvalue()
    out.write(text if header else text.split("\n", 1)[1])


def _write_parquet(rows: Any, path: Path) -> str:
    schema = _schema(rows)

    def unpack(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in frames:
            for blob in frame["frame"]:
                yield pickle.loads(blob)

    rows.select("frame").mapInPandas(unpack, schema).write.parquet(str(path))
    return path.name


def _schema(rows: Any) -> str:
    """The table's Spark schema from one partition's empty frame (built on an executor, sent back empty)."""

    def head(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in frames:
            for blob in frame["frame"]:
                yield pd.DataFrame({"frame": [pickle.dumps(pickle.loads(blob).head(0))]})
                return

    empty = pickle.loads(rows.select("frame").mapInPandas(head, "frame binary").limit(1).collect()[0][0])
    return ", ".join(f"`{name}` {_SPARK_TYPES.get(dtype.kind, 'string')}" for name, dtype in empty.dtypes.items())


def paragraph_digest(tables: Any, themes: list[str], n: int) -> ParagraphDigest:
    """What the report shows of the paragraphs (`digest_paragraphs`), counted per chunk of a partition: each
    chunk's heaviest kept rows per theme, then the heaviest among those in (partition, chunk) = row order."""
    def digest(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in frames:
            for part, chunk, blob in zip(frame["part"], frame["chunk"], frame["frame"]):
                table = pickle.loads(blob)
                kept = table[table["status"] == KEPT]
                found = (table["status"].value_counts().to_dict(), kept["dominant_theme"].value_counts().to_dict(),
                         heaviest_rows(kept, themes, n))
                yield pd.DataFrame({"part": [part], "chunk": [chunk], "digest": [pickle.dumps(found)]})

    rows = tables.where("kind = 'paragraphs'").select("part", "chunk", "frame").mapInPandas(
        digest, "part long, chunk long, digest binary"
    )
    statuses: Counter[str] = Counter()
    dominant: Counter[str] = Counter()
    heaviest = []
    for _, _, blob in sorted(rows.collect()):
        part_statuses, part_dominant, part_heaviest = pickle.loads(blob)
        statuses.update(part_statuses)
        dominant.update(part_dominant)
        heaviest.append(part_heaviest)
    rows_of = pd.concat(heaviest, ignore_index=True) if heaviest else pd.DataFrame()
    n_paragraphs = sum(statuses.values())
    return ParagraphDigest(n_paragraphs, dict(statuses), dict(dominant), heaviest_rows(rows_of, themes, n) if heaviest else rows_of)
