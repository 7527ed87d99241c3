"""Test databases: a SQLite file, or a schema of its own on the test PostgreSQL server.

``ARGMINE_TEST_POSTGRES_URL`` (set by ``.ci/run``) names the server. When it is set
and the server does not answer, the PostgreSQL tests fail: CI must not pass by
skipping them. When it is unset, the local default server is tried and the
PostgreSQL tests skip if it is not there.

Every PostgreSQL test database is a fresh schema, reached through a URL whose
``search_path`` points at it, so whatever connects with that URL (the app, the
CLI, a subprocess) sees only it; the schema is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

ENV = "ARGMINE_TEST_POSTGRES_URL"
LOCAL_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")


def postgres_server() -> str:
    """The server's URL; fails (CI) or skips (local, unset) when it does not answer."""
    configured = os.environ.get(ENV)
    url = configured or LOCAL_DEFAULT
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        if configured:
            pytest.fail(f"{ENV}={configured} is set but the server does not answer: {exc.orig}")
        pytest.skip(f"no PostgreSQL at {LOCAL_DEFAULT} and {ENV} unset")
    finally:
        engine.dispose()
    return url


class Databases:
    """Hands out fresh, empty databases of one backend and removes them at the end."""

    def __init__(self, backend: str, root: Path):
        self.backend = backend
        self.root = root
        self._server = postgres_server() if backend == "postgresql" else None
        self._schemas: list[str] = []

    def new(self) -> str:
        if self._server is None:
            path = self.root / f"db-{uuid.uuid4().hex[:8]}" / "argmine.db"
            return f"sqlite:///{path}"
        schema = f"t_{uuid.uuid4().hex[:16]}"
        self._execute(f'CREATE SCHEMA "{schema}"')
        self._schemas.append(schema)
        url = make_url(self._server).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def _execute(self, statement: str) -> None:
        engine = create_engine(self._server)
        try:
            with engine.begin() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()

    def close(self) -> None:
        for schema in self._schemas:
            self._execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=BACKENDS)
def databases(request, tmp_path: Path) -> Iterator[Databases]:
    """Run the test once per backend; ``databases.new()`` gives a fresh database URL."""
    handle = Databases(request.param, tmp_path / "databases")
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def database_url(databases: Databases) -> str:
    """One fresh database per test, of each backend in turn."""
    return databases.new()
