"""`argmine db ...` and `argmine tokens ...`: the service's database from the command line.

Thin wrappers over ``service.migrate`` and ``service.tokens``; the database is the
one ``argmine serve`` would use (``ARGMINE_DATABASE_URL``, else the SQLite file in
``--data-dir``).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

db_app = typer.Typer(help="The service's database: schema migrations.", no_args_is_help=True)
tokens_app = typer.Typer(help="People's bearer tokens for the service (annotator or admin).", no_args_is_help=True)

_DATA_DIR = typer.Option(None, "--data-dir", help="The service's data dir (default ./data, or ARGMINE_DATA_DIR).")
_DATABASE = typer.Option(None, "--database-url", help="SQLAlchemy URL (default ARGMINE_DATABASE_URL, else "
                                                      "sqlite:///<data dir>/argmine.db).")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@contextmanager
def _engine(data_dir: Optional[Path], database_url: Optional[str], upgrade: bool) -> Iterator:
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from argmine.service import migrate
    from argmine.service.db import make_engine
    from argmine.service.settings import Settings

    overrides = {k: v for k, v in {"data_dir": data_dir, "database_url": database_url}.items() if v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        _fail(f"bad service settings: {exc}")
    engine = make_engine(settings.db_url)
    try:
        if upgrade:
            migrate.upgrade(engine)
        yield engine
    except (migrate.SchemaTooNew, migrate.SchemaOutdated) as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:
        _fail(f"the database {settings.redacted()['database_url']} cannot be used: {exc}")
    finally:
        engine.dispose()


def _operator() -> str:
    """Who ran the command, as recorded on the tokens it creates or revokes."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@db_app.command("upgrade")
def db_upgrade(data_dir: Optional[Path] = _DATA_DIR, database_url: Optional[str] = _DATABASE) -> None:
    """Create or migrate the schema to this version's; safe while replicas start (it takes a lock)."""
    from argmine.service import migrate

    with _engine(data_dir, database_url, upgrade=False) as engine:
        result = migrate.upgrade(engine)
    if result.changed:
        typer.echo(f"upgraded the database from {result.before or 'empty'} to {result.after}")
    else:
        typer.echo(f"the database is at {result.after}, the newest revision; nothing to do")


@db_app.command("current")
def db_current(data_dir: Optional[Path] = _DATA_DIR, database_url: Optional[str] = _DATABASE) -> None:
    """The database's schema revision and this version's; exit 1 when they differ."""
    from argmine.service import migrate

    with _engine(data_dir, database_url, upgrade=False) as engine:
        typer.echo(f"{migrate.check(engine)} (newest)")


@tokens_app.command("create")
def tokens_create(
    name: str = typer.Argument(..., help="The person; their annotations are recorded under this name."),
    role: str = typer.Option("annotator", "--role", help="annotator: store and import annotations; "
                                                         "admin: also train, activate models, manage tokens."),
    data_dir: Optional[Path] = _DATA_DIR, database_url: Optional[str] = _DATABASE,
) -> None:
    """Make a token and print it once; only its hash is stored."""
    from argmine.service.tokens import TokenError, TokenStore

    with _engine(data_dir, database_url, upgrade=True) as engine:
        try:
            token, info = TokenStore(engine).create(name, role, _operator())
        except TokenError as exc:
            _fail(str(exc))
    typer.echo(f"created {info.role} token {info.id} for {info.name}; it is shown only now, keep it secret:",
               err=True)
    typer.echo(token)


@tokens_app.command("list")
def tokens_list(
    all_tokens: bool = typer.Option(False, "--all", help="Include revoked tokens."),
    data_dir: Optional[Path] = _DATA_DIR, database_url: Optional[str] = _DATABASE,
) -> None:
    """Tokens with their owner, role and history (never the tokens themselves)."""
    from argmine.service.tokens import TokenStore

    with _engine(data_dir, database_url, upgrade=True) as engine:
        tokens = TokenStore(engine).list(include_revoked=all_tokens)
    if not tokens:
        typer.echo("no tokens; create one with `argmine tokens create NAME --role annotator`")
    for t in tokens:
        revoked = f"  revoked {t.revoked_at:%Y-%m-%d %H:%M} by {t.revoked_by}" if t.revoked_at else ""
        typer.echo(f"{t.id:>4}  {t.name:24s} {t.role:9s}  created {t.created_at:%Y-%m-%d %H:%M} "
                   f"by {t.created_by}{revoked}")


@tokens_app.command("revoke")
def tokens_revoke(
    name: Optional[str] = typer.Argument(None, help="Revoke every active token of this person."),
    token_id: Optional[int] = typer.Option(None, "--id", help="Revoke only the token with this id."),
    data_dir: Optional[Path] = _DATA_DIR, database_url: Optional[str] = _DATABASE,
) -> None:
    """Revoke tokens; every replica refuses them from the next request on."""
    from argmine.service.tokens import TokenError, TokenStore, UnknownToken

    with _engine(data_dir, database_url, upgrade=True) as engine:
        try:
            revoked = TokenStore(engine).revoke(name, token_id, _operator())
        except (TokenError, UnknownToken) as exc:
            _fail(str(exc))
    for t in revoked:
        typer.echo(f"revoked token {t.id} of {t.name} ({t.role})")
