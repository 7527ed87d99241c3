"""What the annotation store and the link store share: sessions, and reading one table by id.

Paging is by id, never by offset, so a client walking the pages while others write
neither skips nor repeats a row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


KEY_CHUNK = 500


class RowFilters(Protocol):
    def apply(self, query): ...


@dataclass(frozen=True)
class AddResult:
    items: list[dict[str, Any]]  # in input order, each with "created": bool
    created: int
    duplicates: int


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    next_after: int | None


class PagedStore:
    """One table read by id. Subclasses set ``row`` (its ORM class) and ``as_dict`` (a row as the API shows it)."""

    row: ClassVar[type]

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    def as_dict(self, row: Any) -> dict[str, Any]:
        raise NotImplementedError

    def rows_by_key(self, session: Session, keys: Sequence[str]) -> dict[str, Any]:
        """The stored rows among ``keys`` (the table's unique ``key`` column), read in chunks far below
        SQLite's bound-parameter limit (32766; 999 before 3.32)."""
        known: dict[str, Any] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), KEY_CHUNK):
            query = select(self.row).where(self.row.key.in_(unique[i:i + KEY_CHUNK]))
            known.update((row.key, row) for row in session.scalars(query))
        return known

    def page(self, filters: RowFilters | None = None, after: int | None = None, limit: int = 50) -> Page:
        """Ordered by id; pass ``next_after`` back as ``after`` for the next page (stable under inserts)."""
        row_id = self.row.id

        def where(query):
            return filters.apply(query) if filters is not None else query

        with self.session() as session:
            total = session.scalar(where(select(func.count(row_id)))) or 0
            query = where(select(self.row)).order_by(row_id).limit(limit + 1)
            if after is not None:
                query = query.where(row_id > after)
            rows = list(session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        return Page([self.as_dict(r) for r in rows], total, rows[-1].id if more and rows else None)

    def iter_all(self, filters: RowFilters | None = None) -> Iterator[dict[str, Any]]:
        """Every matching row by id, read in chunks so exports of any size stay flat in memory."""
        after = None
        while True:
            page = self.page(filters, after, limit=1000)
            yield from page.items
            if page.next_after is None:
                return
            after = page.next_after

    def count(self) -> int:
        with self.session() as session:
            return session.scalar(select(func.count(self.row.id))) or 0
