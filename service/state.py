"""Values every replica shares through the database: which model version is active, and who chose it.

Kept in the database rather than in process memory or a file, so several
``argmine serve`` processes behind one proxy agree: each polls ``get`` and
switches when the value changes. No HTTP, no model code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from argmine.service.db import StateRow, as_aware, utcnow

ACTIVE_MODEL = "active_model"


@dataclass(frozen=True)
class StateValue:
    value: str
    updated_by: str | None
    updated_at: datetime


class SharedState:
    def __init__(self, engine: Engine):
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def get(self, key: str) -> StateValue | None:
        with self._sessions() as session:
            row = session.get(StateRow, key)
            if row is None:
                return None
            return StateValue(row.value, row.updated_by, as_aware(row.updated_at))  # type: ignore[arg-type]

    def set(self, key: str, value: str, updated_by: str | None) -> None:
        """Insert or replace, committed when this returns; the last writer wins."""
        values = {"value": value, "updated_by": updated_by, "updated_at": utcnow()}
        for _ in range(2):  # a concurrent first insert of the same key: the retry updates it
            with self._sessions() as session, session.begin():
                changed = session.execute(update(StateRow).where(StateRow.key == key).values(**values)).rowcount
                if changed:
                    return
            try:
                with self._sessions() as session, session.begin():
                    session.add(StateRow(key=key, **values))
                return
            except IntegrityError:
                continue
