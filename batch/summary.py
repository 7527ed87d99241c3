"""``--summary FILE``: one row per document, computed from the finished output.

Built from the output rather than during the run so that it covers the
documents of earlier, resumed runs too. Records of one document are written
together, so grouping consecutive records keeps one document in memory.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from pathlib import Path
from typing import Any

from argmine.batch.errors import BatchError
from argmine.models.scheme import STANCES

SUMMARY_COLUMNS: tuple[str, ...] = ("doc_id", "sentences", "claims", "premises",
                                    *(f"stance.{s}" for s in STANCES), "risks")
_ROWS_PER_PARQUET_BATCH = 10_000


def document_summary(doc_id: str, records: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts of claims, premises and risk sentences, and the share of each stance."""
    n = len(records)
    row: dict[str, Any] = {"doc_id": doc_id, "sentences": n,
                           "claims": sum(r["role"] == "claim" for r in records),
                           "premises": sum(r["role"] == "premise" for r in records)}
    for stance in STANCES:
        row[f"stance.{stance}"] = round(sum(r["stance"] == stance for r in records) / n, 6) if n else 0.0
    row["risks"] = sum(bool(r["risk"]) for r in records)
    return row


def summarise(records: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    for doc_id, group in groupby(records, key=lambda r: r["doc_id"]):
        yield document_summary(doc_id, list(group))


def check_summary_path(path: Path) -> None:
    if path.suffix.lower() not in (".jsonl", ".ndjson", ".csv", ".parquet"):
        raise BatchError(f"cannot tell the summary format of {path} from its extension; use .jsonl, .csv or .parquet")


def write_summary(path: Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write rows as JSONL, CSV or Parquet (by extension), atomically; return the row count."""
    check_summary_path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        count = _write_parquet(tmp, rows) if suffix == ".parquet" else _write_text(tmp, rows, suffix == ".csv")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _write_text(tmp: Path, rows: Iterable[Mapping[str, Any]], as_csv: bool) -> int:
    count = 0
    with open(tmp, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, SUMMARY_COLUMNS, lineterminator="\n") if as_csv else None
        if writer:
            writer.writeheader()
        for row in rows:
            if writer:
                writer.writerow(row)
            else:
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def _write_parquet(tmp: Path, rows: Iterable[Mapping[str, Any]]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.string() if c == "doc_id" else pa.float64() if c.startswith("stance.") else pa.int64())
                        for c in SUMMARY_COLUMNS])
    count, batch = 0, []
    with pq.ParquetWriter(tmp, schema) as writer:
        for row in rows:
            batch.append(row)
            if len(batch) >= _ROWS_PER_PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count, batch = count + len(batch), []
        if batch or not count:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count
