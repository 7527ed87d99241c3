"""Schema migrations (Alembic), run under a lock so replicas starting together do not race.

``upgrade(engine)`` brings any database to the newest revision: an empty one,
one made before argmine had migrations (its tables exist but no
``alembic_version``: it is stamped as the frozen baseline first), or one at an
older revision. A database at a revision this code does not know was upgraded
by a newer argmine; it is refused with ``SchemaTooNew`` rather than used.

The lock: a PostgreSQL advisory lock held on the migrating connection (released
when it closes, so a killed process never leaves it taken); for SQLite, a file
lock beside the database file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("argmine.migrate")
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin on every start otherwise
SCRIPTS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001_baseline"
# pg_advisory_lock takes one bigint; this one spells "argmine" in ASCII, so it is recognisable in pg_locks.
_PG_LOCK_KEY = 0x617267_6D696E65
_LOCK_TIMEOUT_S = 300  # a migration of a large table may take minutes; a stuck one should not hang a start forever


class SchemaTooNew(RuntimeError):
    """The database was upgraded by a newer argmine; this code would misread it."""


class SchemaOutdated(RuntimeError):
    """The database needs ``argmine db upgrade`` before this code can use it."""


@dataclass(frozen=True)
class Upgrade:
    before: str | None  # None: an empty database
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest revision this code knows."""
    revision = scripts().get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    """The database's revision; the baseline for a pre-migration database; None when it is empty."""
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" in tables:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if "annotations" in tables:
        return BASELINE
    return None


def _known(revision: str | None) -> bool:
    if revision is None:
        return True
    return any(script.revision == revision for script in scripts().walk_revisions())


def _too_new(revision: str) -> SchemaTooNew:
    return SchemaTooNew(
        f"the database is at schema revision {revision!r}, which this argmine does not know (its newest is "
        f"{head()!r}): a newer argmine upgraded it. Run that newer version, or restore a backup taken before "
        f"the upgrade; this version will not touch it")


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection that holds the migration lock for as long as it is open."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text(f"SET lock_timeout = '{_LOCK_TIMEOUT_S}s'"))
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
            connection.commit()
            try:
                yield connection
            finally:
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
                connection.execute(text("RESET lock_timeout"))  # the connection goes back to the app's pool
                connection.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database != ":memory:":
        with FileLock(f"{database}.migrate.lock", timeout=_LOCK_TIMEOUT_S), engine.connect() as connection:
            yield connection
        return
    with engine.connect() as connection:
        yield connection


def upgrade(engine: Engine) -> Upgrade:
    """Bring the database to ``head()``; idempotent and safe to run from several processes at once."""
    with _locked(engine) as connection:
        before = current(connection)
        connection.commit()
        if not _known(before):
            raise _too_new(before)  # type: ignore[arg-type]
        config = _config(connection)
        if before == BASELINE and "alembic_version" not in inspect(connection).get_table_names():
            log.info("the database predates migrations; recording it as %s", BASELINE)
            command.stamp(config, BASELINE)
            connection.commit()
        if before != head():
            command.upgrade(config, "head")
            connection.commit()
            log.info("database schema upgraded from %s to %s", before or "empty", head())
        return Upgrade(before, head())


def check(engine: Engine) -> str:
    """The database's revision if it is exactly this code's; otherwise say what to do."""
    with engine.connect() as connection:
        revision = current(connection)
    if revision == head():
        return revision
    if not _known(revision):
        raise _too_new(revision)  # type: ignore[arg-type]
    raise SchemaOutdated(f"the database is at schema revision {revision or 'none (empty)'}, this argmine needs "
                         f"{head()}; run `argmine db upgrade`")
