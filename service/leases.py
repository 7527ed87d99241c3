"""Leases in the database: at most one replica holds a named slot (e.g. training) at a time.

A holder renews its lease while it works; a replica that dies stops renewing,
and once ``expires_at`` passes anyone may take the slot over. Every change is a
compare-and-swap (``UPDATE ... WHERE holder = <seen> AND job_id = <seen>``,
then check the row count), so two replicas taking over the same expired lease
cannot both win, on SQLite or PostgreSQL alike. Times are the replicas'
clocks (UTC): replicas on several machines need them synchronised (NTP) to
well under the lease's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from argmine.service.db import LeaseRow, as_aware, utcnow


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    job_id: str | None
    expires_at: datetime


@dataclass(frozen=True)
class Acquired:
    lease: Lease
    taken_over: Lease | None  # the expired lease of another holder this one replaced


class Leases:
    def __init__(self, engine: Engine, holder: str):
        self.holder = holder
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def current(self, name: str) -> Lease | None:
        with self._sessions() as session:
            row = session.get(LeaseRow, name)
            if row is None:
                return None
            return Lease(row.name, row.holder, row.job_id, as_aware(row.expires_at))  # type: ignore[arg-type]

    def acquire(self, name: str, seconds: float, job_id: str | None = None) -> Acquired | Lease:
        """The slot for ``seconds``: ``Acquired``, or the live ``Lease`` of whoever holds it."""
        now = utcnow()
        mine = Lease(name, self.holder, job_id, now + timedelta(seconds=seconds))
        seen = self.current(name)
        if seen is None:
            try:
                with self._sessions() as session, session.begin():
                    session.add(LeaseRow(name=name, holder=self.holder, job_id=job_id, expires_at=mine.expires_at))
                return Acquired(mine, None)
            except IntegrityError:  # someone inserted it first
                return self.current(name) or self.acquire(name, seconds, job_id)
        if seen.holder != self.holder and seen.expires_at > now:
            return seen
        with self._sessions() as session, session.begin():
            swapped = session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, LeaseRow.holder == seen.holder,
                       LeaseRow.job_id.is_not_distinct_from(seen.job_id),
                       or_(LeaseRow.holder == self.holder, LeaseRow.expires_at < now))
                .values(holder=self.holder, job_id=job_id, expires_at=mine.expires_at)).rowcount
        if swapped != 1:  # another replica took it between our read and our write
            return self.current(name) or self.acquire(name, seconds, job_id)
        return Acquired(mine, seen if seen.holder != self.holder or seen.job_id != job_id else None)

    def renew(self, name: str, seconds: float, job_id: str | None = None) -> bool:
        """Extend our lease; False if it is no longer ours (it expired and someone took it)."""
        with self._sessions() as session, session.begin():
            return session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, LeaseRow.holder == self.holder,
                       LeaseRow.job_id.is_not_distinct_from(job_id))
                .values(expires_at=utcnow() + timedelta(seconds=seconds))).rowcount == 1

    def release(self, name: str, job_id: str | None = None) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == self.holder,
                                                   LeaseRow.job_id.is_not_distinct_from(job_id)))
