"""Annotations in the database: add without duplicates, page with filters, read all.

A sentence with the same labels by the same annotator is stored once: its key hashes
the text as the model reads it (hyphenation joined, whitespace collapsed) with the
three labels and the annotator, so re-importing an export, or the same sentence sent
twice, adds nothing, while a second annotator who agrees is counted. The same
sentence with *other* labels is kept: disagreement is information.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from argmine.models.segment import normalize
from argmine.service.db import AnnotationRow, as_aware
from argmine.service.paging import KEY_CHUNK, AddResult, PagedStore

FIELDS = ("text", "role", "stance", "risk", "doc_id", "start", "end", "annotator", "note")


def annotation_key(text: str, role: str, stance: str, risk: bool, annotator: str | None = None) -> str:
    """Two annotators giving the same labels are two annotations (agreement counts both);
    without an annotator the key is what it always was, so older rows keep deduplicating."""
    labels: list = [normalize(text), role, stance, bool(risk)]
    return hashlib.sha256(json.dumps(labels + [annotator] if annotator else labels).encode()).hexdigest()


def text_key(text: str) -> str:
    return hashlib.sha256(normalize(text).encode()).hexdigest()


def as_dict(row: AnnotationRow) -> dict[str, Any]:
    data = {name: getattr(row, name) for name in ("id", *FIELDS, "created_by")}
    created = as_aware(row.created_at)
    data["created_at"] = created.isoformat() if created else None
    return data


@dataclass(frozen=True)
class Filters:
    role: str | None = None
    stance: str | None = None
    risk: bool | None = None
    doc_id: str | None = None
    annotator: str | None = None
    q: str | None = None

    def apply(self, query):
        for name in ("role", "stance", "risk", "doc_id", "annotator"):
            value = getattr(self, name)
            if value is not None:
                query = query.where(getattr(AnnotationRow, name) == value)
        if self.q:
            query = query.where(func.lower(AnnotationRow.text).contains(self.q.lower(), autoescape=True))
        return query


class AnnotationStore(PagedStore):
    row = AnnotationRow

    def as_dict(self, row: AnnotationRow) -> dict[str, Any]:
        return as_dict(row)

    def add(self, annotations: Sequence[dict[str, Any]], created_by: str | None = None) -> AddResult:
        """Store what is new, in one transaction; committed (on disk) when this returns.

        ``created_by`` records who wrote them (with ``created_at``, when)."""
        try:
            return self._add(annotations, created_by)
        except IntegrityError:
            # A concurrent request stored one of these keys between our read and our
            # insert; the retry reads it and counts it as a duplicate.
            return self._add(annotations, created_by)

    def _add(self, annotations: Sequence[dict[str, Any]], created_by: str | None) -> AddResult:
        keys = [annotation_key(a["text"], a["role"], a["stance"], a["risk"], a.get("annotator")) for a in annotations]
        with self.session() as session, session.begin():
            known: dict[str, AnnotationRow] = self.rows_by_key(session, keys)
            rows: list[tuple[AnnotationRow, bool]] = []
            for key, annotation in zip(keys, annotations):
                if key in known:
                    rows.append((known[key], False))
                    continue
                row = AnnotationRow(key=key, text_key=text_key(annotation["text"]), created_by=created_by,
                                    **{f: annotation.get(f) for f in FIELDS})
                session.add(row)
                known[key] = row
                rows.append((row, True))
            session.flush()
        items = [{**as_dict(row), "created": created} for row, created in rows]
        created = sum(created for _, created in rows)
        return AddResult(items, created, len(rows) - created)

    def annotated(self, texts: Sequence[str]) -> set[str]:
        """Which of ``texts`` already carry an annotation, whatever its labels or line breaks."""
        by_key: dict[str, list[str]] = {}
        for text in texts:
            by_key.setdefault(text_key(text), []).append(text)
        keys = list(by_key)
        found: set[str] = set()
        with self.session() as session:
            for i in range(0, len(keys), KEY_CHUNK):
                query = select(AnnotationRow.text_key).where(AnnotationRow.text_key.in_(keys[i:i + KEY_CHUNK]))
                for key in session.scalars(query):
                    found.update(by_key[key])
        return found

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
