"""`argmine serve`: options reach the settings, a missing model is a clear error, not a traceback."""

from __future__ import annotations

import uvicorn

from argmine.service import app as service_app
from typer.testing import CliRunner

from argmine.cli import app
from tests.service.support import write_fake_model


def test_serve_passes_its_options_to_the_app_and_uvicorn(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kwargs: seen.update(app=application, **kwargs))
    monkeypatch.setattr(service_app, "create_app", lambda settings: seen.update(settings=settings) or "the app")
    model = write_fake_model(tmp_path / "model", "fake-1")
    result = CliRunner().invoke(app, ["serve", "--port", "8123", "--data-dir", str(tmp_path / "d"),
                                      "--model-dir", str(model)])
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"], seen["workers"]) == ("127.0.0.1", 8123, 1)
    assert seen["app"] == "the app"
    assert seen["settings"].data_dir == tmp_path / "d" and seen["settings"].model_dir == model


def test_serve_without_a_model_says_how_to_get_one(tmp_path):
    result = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path), "--model-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no model at" in result.output and "argmine train --out" in result.output


def test_serve_refuses_a_database_newer_than_the_code_in_one_line(tmp_path, database_url):
    from sqlalchemy import text

    from argmine.service import migrate
    from argmine.service.db import make_engine

    engine = make_engine(database_url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()
    model = write_fake_model(tmp_path / "model", "fake-1")
    result = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path / "d"), "--model-dir", str(model)],
                                env={"ARGMINE_DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert "a newer argmine upgraded it" in result.output and "Traceback" not in result.output
