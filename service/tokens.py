"""People's bearer tokens: created once, stored as a hash, revoked by name.

A token is shown once, when it is made; the database keeps only its sha256 (a
token is 256 random bits, so a plain hash is as strong as a slow one and lets a
request be checked with one indexed lookup). The lookup's result is compared
again with ``hmac.compare_digest``. Revoking keeps the row: who had access, and
until when, stays on record. No HTTP here: the CLI and the routes both use it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from argmine.service.db import TokenRow, as_aware, utcnow

Role = Literal["annotator", "admin"]
ROLES: tuple[Role, ...] = ("annotator", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}
PREFIX = "argmine_"  # recognisable in a leaked-secret scan, and never a valid bootstrap token by accident
BOOTSTRAP = "admin"  # the name writes made with ARGMINE_API_TOKEN or <data_dir>/api_token are recorded under


class TokenError(ValueError):
    """A token request that cannot be carried out (bad name or role)."""


class UnknownToken(LookupError):
    """No active token matches (nothing to revoke)."""


@dataclass(frozen=True)
class Principal:
    """Who sent a request: a person's name and what they may do."""

    name: str
    role: Role

    def can(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]

    def as_annotator(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Imported records under this person's name; an admin's keep the file's annotators (restoring
        a backup keeps who labelled what), their own name where none is given."""
        keep = self.can("admin")
        return [{**r, "annotator": (r.get("annotator") or self.name) if keep else self.name} for r in records]


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    role: Role
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    revoked_by: str | None

    @classmethod
    def of(cls, row: TokenRow) -> TokenInfo:
        return cls(row.id, row.name, row.role, as_aware(row.created_at), row.created_by,  # type: ignore[arg-type]
                   as_aware(row.revoked_at), row.revoked_by)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# What a name may not hold: control characters and line or paragraph breaks. A regex class,
# so the HTTP schema states the same rule (``routes/tokens.py``); lone surrogates, which no
# JSON Schema string holds, are refused as well.
NAME_FORBIDDEN = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
_FORBIDDEN = re.compile(f"[{NAME_FORBIDDEN}\\ud800-\\udfff]")


def _check_name(name: str) -> str:
    stripped = name.strip()
    # Searched before stripping: the schema refuses a trailing line break as well.
    if not stripped or len(stripped) > 200 or _FORBIDDEN.search(name):
        raise TokenError(f"a token's name is the person's name as it goes on their annotations: 1 to 200 "
                         f"characters, not blank, without control characters or line breaks, got {name!r}")
    return stripped


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise TokenError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    return role  # type: ignore[return-value]


class TokenStore:
    def __init__(self, engine: Engine):
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create(self, name: str, role: str, created_by: str | None) -> tuple[str, TokenInfo]:
        """A new token for ``name``; the returned string is the only copy there will ever be."""
        row = TokenRow(name=_check_name(name), role=_check_role(role), created_by=created_by, created_at=utcnow())
        token = PREFIX + secrets.token_urlsafe(32)
        row.token_hash = digest(token)
        with self._sessions() as session, session.begin():
            session.add(row)
        return token, TokenInfo.of(row)

    def list(self, include_revoked: bool = True) -> list[TokenInfo]:
        query = select(TokenRow).order_by(TokenRow.id)
        if not include_revoked:
            query = query.where(TokenRow.revoked_at.is_(None))
        with self._sessions() as session:
            return [TokenInfo.of(row) for row in session.scalars(query)]

    def revoke(self, name: str | None = None, token_id: int | None = None,
               revoked_by: str | None = None) -> list[TokenInfo]:
        """Revoke every active token of ``name`` (or the one with ``token_id``); effective on the next request."""
        query = select(TokenRow).where(TokenRow.revoked_at.is_(None))
        if token_id is not None:
            query = query.where(TokenRow.id == token_id)
        elif name is not None:
            query = query.where(TokenRow.name == name.strip())
        else:
            raise TokenError("say which token to revoke: a name or an id")
        with self._sessions() as session, session.begin():
            rows = list(session.scalars(query))
            for row in rows:
                row.revoked_at, row.revoked_by = utcnow(), revoked_by
        if not rows:
            which = f"id {token_id}" if token_id is not None else f"name {name!r}"
            raise UnknownToken(f"no active token with {which}; `argmine tokens list` shows them")
        return [TokenInfo.of(row) for row in rows]

    def verify(self, token: str) -> Principal | None:
        """The person a token belongs to, or None for an unknown or revoked one."""
        if not token.startswith(PREFIX):
            return None
        wanted = digest(token)
        with self._sessions() as session:
            row = session.scalar(select(TokenRow).where(TokenRow.token_hash == wanted,
                                                        TokenRow.revoked_at.is_(None)))
        if row is None or not hmac.compare_digest(row.token_hash, wanted):
            return None
        return Principal(row.name, row.role)  # type: ignore[arg-type]
