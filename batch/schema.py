"""The output record and its flat form for CSV and Parquet.

JSONL keeps the service's nested record (``models.documents.sentence_record``),
plus ``meta`` with the input's other fields when it has any. CSV and Parquet need
one fixed set of columns, so the nested probabilities and entropies become dotted
columns (``probabilities.role.claim``, ``entropy.stance``) and ``meta`` becomes one
JSON text column: input fields vary from record to record, a fixed schema cannot.

The link columns (``target``, ``relation``, ``link_probability``) come last and are
empty where the model has no link model. ``target`` keeps its type: in document mode
a ``sent_id`` (an integer column in Parquet, an integer read back from CSV), in
sentence mode a record id (``batch.links``; a text column in Parquet). CSV has no
types: a target that is an integer literal reads back as an integer, so sentence-mode
outputs with numeric record ids read their targets back as integers from CSV.
Outputs written before these columns existed (``LEGACY_COLUMNS``) are still read,
and ``--resume`` continues them as long as the model has no link model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from argmine.models.scheme import HEADS

BASE_COLUMNS: tuple[str, ...] = ("doc_id", "sent_id", "start", "end", "text", "role", "stance", "risk",
                                 "uncertainty", "model_version")
# Only PDF, HTML and DOCX inputs have these: empty (null) for text inputs.
SOURCE_COLUMNS: tuple[str, ...] = ("page", "text_file")
PROBABILITY_COLUMNS: tuple[tuple[str, str, str], ...] = tuple(
    (f"probabilities.{head}.{label}", head, label) for head, labels in HEADS.items() for label in labels)
ENTROPY_COLUMNS: tuple[tuple[str, str], ...] = tuple((f"entropy.{head}", head) for head in HEADS)
LINK_COLUMNS: tuple[str, ...] = ("target", "relation", "link_probability")
LEGACY_COLUMNS: tuple[str, ...] = (BASE_COLUMNS + tuple(c for c, _, _ in PROBABILITY_COLUMNS)
                                   + tuple(c for c, _ in ENTROPY_COLUMNS) + ("meta",) + SOURCE_COLUMNS)
COLUMNS: tuple[str, ...] = LEGACY_COLUMNS + LINK_COLUMNS
_FLOATS = ("uncertainty", *(c for c, _, _ in PROBABILITY_COLUMNS), *(c for c, _ in ENTROPY_COLUMNS),
           "link_probability")


def dump_meta(meta: Mapping[str, Any]) -> str:
    # default=str: Parquet inputs carry dates and decimals, which JSON has no type for.
    return json.dumps(meta, ensure_ascii=False, default=str)


def flatten(record: Mapping[str, Any]) -> dict[str, Any]:
    """The flat row of one nested sentence record."""
    row = {column: record[column] for column in BASE_COLUMNS}
    for column, head, label in PROBABILITY_COLUMNS:
        row[column] = record["probabilities"][head][label]
    for column, head in ENTROPY_COLUMNS:
        row[column] = record["entropy"][head]
    meta = record.get("meta")
    row["meta"] = dump_meta(meta) if meta else None
    for column in SOURCE_COLUMNS:
        row[column] = record.get(column)
    row["target"] = record.get("target")
    row["relation"] = record.get("relation")
    row["link_probability"] = record.get("link_probability")
    return row


def unflatten(row: Mapping[str, Any], typed: bool = False) -> dict[str, Any]:
    """The nested record of a flat row, keys in ``sentence_record``'s order; CSV strings typed back
    (``typed``: a Parquet row, whose ``target`` already has its type)."""
    probabilities: dict[str, dict[str, float]] = {head: {} for head in HEADS}
    for column, head, label in PROBABILITY_COLUMNS:
        probabilities[head][label] = float(row[column])
    risk = row["risk"]
    record: dict[str, Any] = {
        "doc_id": row["doc_id"], "sent_id": int(row["sent_id"]), "start": int(row["start"]), "end": int(row["end"]),
        "text": row["text"], "role": row["role"], "stance": row["stance"],
        "risk": risk == "true" if isinstance(risk, str) else bool(risk),
        "probabilities": probabilities, "uncertainty": float(row["uncertainty"]),
        "entropy": {head: float(row[column]) for column, head in ENTROPY_COLUMNS},
        "model_version": row["model_version"],
    }
    if row.get("page") not in (None, ""):
        record["page"] = int(row["page"])
    if row.get("text_file"):
        record["text_file"] = row["text_file"]
    if row.get("meta"):
        record["meta"] = json.loads(row["meta"])
    if row.get("relation"):  # a row with a link; rows of a model without links keep today's shape
        record.update(target=row["target"] if typed else _csv_target(row["target"]), relation=row["relation"],
                      link_probability=float(row["link_probability"]))
    return record


def _csv_target(value: Any) -> Any:
    """A target read back from CSV: an integer literal is a ``sent_id``, anything else a record id."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def csv_row(record: Mapping[str, Any], columns: tuple[str, ...] = COLUMNS) -> list[str]:
    row = flatten(record)
    row["risk"] = "true" if row["risk"] else "false"  # the scheme's names, not Python's True
    return ["" if row[c] is None else str(row[c]) for c in columns]


def arrow_schema(columns: tuple[str, ...] = COLUMNS, unit: str = "document"):
    """The Parquet schema; every part file of an output has this one, so they read as one table.

    ``target`` is a ``sent_id`` (integer) in document mode and a record id (text) in sentence mode.
    """
    import pyarrow as pa

    types = {"sent_id": pa.int32(), "start": pa.int64(), "end": pa.int64(), "risk": pa.bool_(), "page": pa.int32(),
             "target": pa.string() if unit == "sentence" else pa.int32()}
    return pa.schema([(c, types.get(c, pa.float64() if c in _FLOATS else pa.string())) for c in columns])


def has_links(records: Sequence[Mapping[str, Any]]) -> bool:
    """Whether records carry link fields (labelled with a link model), nulls included."""
    return any(column in r for r in records for column in LINK_COLUMNS)
