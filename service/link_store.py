"""Links in the database: a person's "this sentence supports/attacks that one", kept, paged, changed.

A stored link names its document and both sentences as stored annotations do: by
``doc_id`` and character offsets, since the service keeps no sentence ids (a
document is only ever labelled, never stored). One row per source sentence and
annotator (``link_key``), because the label scheme gives a sentence at most one
target:

- adding a link that is already stored (same target, same type) stores nothing
  and answers the stored row (``created: false``), like an annotation sent twice;
- adding one from the same sentence by the same person with *another* target or
  type is a ``LinkConflict``: nothing is overwritten behind anyone's back;
- changing the type or the target **updates that row** (``updated_at``/``updated_by``
  say when and who). Not a new superseding row, as annotations keep: a link is one
  person's current reading of the structure, the scheme allows one per source, and
  an update keeps its id, so the page and any client holding it stay right, and
  training never has to pick among a person's stale versions;
- a person may change or delete only their own links; an admin any.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from argmine.service.db import LinkRow, as_aware, utcnow
from argmine.service.paging import AddResult, PagedStore

LINK_TYPES = ("support", "attack")
FIELDS = ("doc_id", "source_start", "source_end", "target_start", "target_end", "source_text", "target_text",
          "type", "annotator")


class InvalidLink(ValueError):
    """A link the scheme does not allow (to itself, overlapping ends, an empty span, an unknown type)."""


class LinkConflict(ValueError):
    """The same person already links that sentence elsewhere; change that link instead."""


class UnknownLink(LookupError):
    """No stored link has this id."""


class NotYourLink(PermissionError):
    """An annotator may change or delete only the links they stored."""


def link_key(doc_id: str, source_start: int, source_end: int, annotator: str) -> str:
    """Identity of a stored link: its source sentence and who drew it (one target per source and person)."""
    return hashlib.sha256(json.dumps([doc_id, source_start, source_end, annotator]).encode()).hexdigest()


def problems_of(link: dict[str, Any]) -> list[str]:
    """What the scheme forbids in ``link``; empty when it may be stored. Both ends share ``doc_id``,
    so they are in one document by construction."""
    out = []
    for end in ("source", "target"):
        start, stop = link[f"{end}_start"], link[f"{end}_end"]
        if not 0 <= start < stop:
            out.append(f"{end}_start={start}, {end}_end={stop} is not a sentence: expected 0 <= start < end")
    if not out:
        if (link["source_start"], link["source_end"]) == (link["target_start"], link["target_end"]):
            out.append(f"the link goes from sentence {link['source_start']}:{link['source_end']} to itself; "
                       f"a link joins two different sentences of the document")
        elif link["source_start"] < link["target_end"] and link["target_start"] < link["source_end"]:
            out.append(f"source {link['source_start']}:{link['source_end']} and target "
                       f"{link['target_start']}:{link['target_end']} overlap; a link joins two different sentences")
    if link["type"] not in LINK_TYPES:
        out.append(f"type {link['type']!r} is not one of {list(LINK_TYPES)}")
    return out


def _check(link: dict[str, Any]) -> None:
    found = problems_of(link)
    if found:
        raise InvalidLink("; ".join(found))


def as_dict(row: LinkRow) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(row, name) for name in ("id", *FIELDS, "created_by", "updated_by")}
    for name in ("created_at", "updated_at"):
        moment = as_aware(getattr(row, name))
        data[name] = moment.isoformat() if moment else None
    return data


@dataclass(frozen=True)
class LinkFilters:
    doc_id: str | None = None
    annotator: str | None = None

    def apply(self, query):
        for name in ("doc_id", "annotator"):
            value = getattr(self, name)
            if value is not None:
                query = query.where(getattr(LinkRow, name) == value)
        return query


def _same(row: LinkRow, link: dict[str, Any]) -> bool:
    return (row.target_start, row.target_end, row.type) == (link["target_start"], link["target_end"], link["type"])


class LinkStore(PagedStore):
    row = LinkRow

    def as_dict(self, row: LinkRow) -> dict[str, Any]:
        return as_dict(row)

    # ---- writing --------------------------------------------------------------------
    def add(self, links: Sequence[dict[str, Any]], created_by: str | None = None) -> AddResult:
        """All or nothing, in one transaction: every link is checked (``InvalidLink``, ``LinkConflict``)
        before any is written. Each needs an ``annotator``."""
        for link in links:
            _check(link)
        try:
            return self._add(links, created_by)
        except IntegrityError:  # a concurrent request stored one of these keys; the retry sees it
            return self._add(links, created_by)

    def _add(self, links: Sequence[dict[str, Any]], created_by: str | None) -> AddResult:
        keys = [link_key(l["doc_id"], l["source_start"], l["source_end"], l["annotator"]) for l in links]
        with self.session() as session, session.begin():
            known: dict[str, LinkRow] = self.rows_by_key(session, keys)
            rows: list[tuple[LinkRow, bool]] = []
            conflicts: list[str] = []
            for number, (key, link) in enumerate(zip(keys, links), start=1):
                row = known.get(key)
                if row is not None:
                    if not _same(row, link):
                        where = f"as link #{row.id}" if row.id is not None else "earlier in this request"
                        conflicts.append(
                            f"link {number}: {link['annotator']} already links sentence {link['source_start']}:"
                            f"{link['source_end']} of {link['doc_id']!r} to {row.target_start}:{row.target_end} "
                            f"({row.type}) {where}; a sentence has one target: change it with "
                            f"PATCH /v1/links/{{id}} or delete it first")
                    rows.append((row, False))
                    continue
                row = LinkRow(key=key, created_by=created_by, **{f: link.get(f) for f in FIELDS})
                session.add(row)
                known[key] = row
                rows.append((row, True))
            if conflicts:  # raised inside the transaction: it rolls back, nothing of this request is kept
                raise LinkConflict("; ".join(conflicts))
            session.flush()
            items = [{**as_dict(row), "created": created} for row, created in rows]
        created = sum(created for _, created in rows)
        return AddResult(items, created, len(rows) - created)

    def update(self, link_id: int, changes: dict[str, Any], by: str, admin: bool = False) -> dict[str, Any]:
        """Change ``type`` and/or the target (``target_start``, ``target_end``, ``target_text``) in place."""
        with self.session() as session, session.begin():
            row = self._owned(session, link_id, by, admin)
            current = {f: getattr(row, f) for f in FIELDS}
            if "target_start" in changes or "target_end" in changes:
                current["target_text"] = None  # a new target's text is the one sent, or unknown
            merged = {**current, **{k: v for k, v in changes.items() if k in FIELDS}}
            _check(merged)
            for name in ("type", "target_start", "target_end", "target_text"):
                setattr(row, name, merged[name])
            row.updated_at, row.updated_by = utcnow(), by
            session.flush()
            return as_dict(row)

    def delete(self, link_id: int, by: str, admin: bool = False) -> dict[str, Any]:
        with self.session() as session, session.begin():
            row = self._owned(session, link_id, by, admin)
            gone = as_dict(row)
            session.delete(row)
        return gone

    @staticmethod
    def _owned(session: Session, link_id: int, by: str, admin: bool) -> LinkRow:
        row = session.get(LinkRow, link_id)
        if row is None:
            raise UnknownLink(f"no stored link has id {link_id}; GET /v1/links lists them")
        if not admin and row.annotator != by:
            raise NotYourLink(f"link {link_id} is {row.annotator}'s; an annotator changes or deletes only their "
                              f"own links (an admin may change any)")
        return row

    # ---- reading --------------------------------------------------------------------
    def get(self, link_id: int) -> dict[str, Any]:
        with self.session() as session:
            row = session.get(LinkRow, link_id)
            if row is None:
                raise UnknownLink(f"no stored link has id {link_id}; GET /v1/links lists them")
            return as_dict(row)
