"""Schema migrations: from empty, from the schema that shipped before them (data kept), under a lock,
and a database newer than the code refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from argmine.cli import app
from argmine.service import migrate
from argmine.service.db import Base, make_engine
from tests.fakes import FakeLabeler
from tests.service.support import AUTH, running, write_fake_model

OLD_ROWS = [("k1", "t1", "Citizens should vote online.", "claim", "populist", False, "d1", 0, 28, "ana", None),
            ("k2", "t2", "Turnout rose in 2019.", "premise", "none", False, None, None, None, None, "a note")]


def _columns(engine) -> dict[str, set[str]]:
    inspector = inspect(engine)
    return {table: {c["name"] for c in inspector.get_columns(table)} for table in inspector.get_table_names()}


def _revision(engine) -> str | None:
    with engine.connect() as connection:
        return migrate.current(connection)


def test_db_upgrade_builds_the_schema_the_code_uses_from_an_empty_database(tmp_path, database_url):
    runner = CliRunner()
    first = runner.invoke(app, ["db", "upgrade", "--database-url", database_url, "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert f"upgraded the database from empty to {migrate.head()}" in first.output
    again = runner.invoke(app, ["db", "upgrade", "--database-url", database_url, "--data-dir", str(tmp_path)])
    assert again.exit_code == 0 and "nothing to do" in again.output

    engine = make_engine(database_url)
    try:
        columns = _columns(engine)
        for table in Base.metadata.sorted_tables:  # every table and column the ORM maps, no more, no fewer
            assert columns[table.name] == set(table.columns.keys()), table.name
        assert _revision(engine) == migrate.head()
    finally:
        engine.dispose()


def _old_schema_with_data(database_url: str) -> None:
    """The database an argmine before migrations left: the baseline tables, no alembic_version, rows in them."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            command.upgrade(migrate._config(connection), migrate.BASELINE)
            connection.commit()
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
            created = datetime(2024, 5, 1, tzinfo=timezone.utc)
            for row in OLD_ROWS:
                connection.execute(text(
                    'INSERT INTO annotations (key, text_key, text, role, stance, risk, doc_id, start, "end", '
                    "annotator, note, created_at) VALUES (:k, :tk, :text, :role, :stance, :risk, :doc, :s, :e, "
                    ":annotator, :note, :created)"),
                    dict(zip(("k", "tk", "text", "role", "stance", "risk", "doc", "s", "e", "annotator", "note"), row),
                         created=created))
            connection.execute(text(
                "INSERT INTO jobs (id, status, force, config, created_at, progress, annotations, activated) "
                "VALUES ('oldjob', 'succeeded', :f, :config, :created, 1.0, 2, :t)"),
                {"f": False, "t": True, "config": json.dumps({"epochs": 1}), "created": created})
        assert "alembic_version" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_database_from_before_migrations_is_upgraded_with_its_data(tmp_path, database_url):
    _old_schema_with_data(database_url)
    engine = make_engine(database_url)
    try:
        assert _revision(engine) == migrate.BASELINE  # recognised by its tables
        result = migrate.upgrade(engine)
        assert (result.before, result.after) == (migrate.BASELINE, migrate.head())
        assert _revision(engine) == migrate.head()
    finally:
        engine.dispose()
    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        items = client.get("/v1/annotations").json()["items"]
        assert [(a["text"], a["role"], a["annotator"], a["note"], a["created_by"]) for a in items] == [
            (OLD_ROWS[0][2], "claim", "ana", None, None), (OLD_ROWS[1][2], "premise", None, "a note", None)]
        assert items[0]["created_at"].startswith("2024-05-01")
        assert client.get("/v1/jobs/oldjob").json()["status"] == "succeeded"
        # The old rows still deduplicate by their key, and new writes work beside them.
        new = client.post("/v1/annotations", headers=AUTH, json={"annotations": [
            {"text": "A new sentence after the upgrade.", "role": "none", "stance": "none", "risk": False}]})
        assert new.status_code == 201 and new.json()["items"][0]["id"] == 3


def test_the_service_upgrades_an_old_database_itself_at_start(tmp_path, database_url):
    _old_schema_with_data(database_url)
    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        assert client.get("/v1/annotations").json()["total"] == 2


def test_an_old_data_dirs_active_model_file_is_still_honoured(tmp_path, database_url):
    models = tmp_path / "data" / "models"
    write_fake_model(models / "v2", "v2")
    (models / "active.json").write_text('{"version": "v2"}')  # how releases before this one kept the choice
    with running(tmp_path, database_url=database_url, factory=lambda p: FakeLabeler()) as client:
        assert client.get("/v1/models").json()["active"] == "v2"


def test_a_database_newer_than_the_code_is_refused_with_a_clear_message(tmp_path, database_url):
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
        with pytest.raises(migrate.SchemaTooNew, match="'0099_from_the_future'.*a newer argmine upgraded it"):
            migrate.upgrade(engine)
        with pytest.raises(migrate.SchemaTooNew):
            migrate.check(engine)
    finally:
        engine.dispose()
    result = CliRunner().invoke(app, ["db", "upgrade", "--database-url", database_url])
    assert result.exit_code == 1 and "newer argmine" in result.output and "Traceback" not in result.output
    with pytest.raises(migrate.SchemaTooNew):
        with running(tmp_path, labeler=FakeLabeler(), database_url=database_url):
            pass  # pragma: no cover - the start fails


def test_replicas_upgrading_at_once_do_not_race(tmp_path, database_url):
    """Six processes' worth of upgrades at the same moment: one migrates, the others find it done."""
    barrier = threading.Barrier(6)
    results, failures = [], []

    def upgrade() -> None:
        engine = make_engine(database_url)
        try:
            barrier.wait()
            results.append(migrate.upgrade(engine))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=upgrade) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert sorted(r.before or "" for r in results) == [""] + [migrate.head()] * 5
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        engine.dispose()


def test_a_database_at_0002_gains_the_links_table_with_its_data_kept_and_loses_it_on_downgrade(tmp_path, database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            command.upgrade(migrate._config(connection), "0002_team")
            connection.commit()
        with engine.begin() as connection:
            connection.execute(text(
                'INSERT INTO annotations (key, text_key, text, role, stance, risk, doc_id, start, "end", annotator, '
                "created_at, created_by) VALUES ('k1', 't1', 'Citizens should vote online.', 'claim', 'populist', "
                ":f, 'd1', 0, 28, 'ana', :created, 'ana')"), {"f": False, "created": datetime(2025, 1, 1, tzinfo=timezone.utc)})
        assert "links" not in inspect(engine).get_table_names()
        result = migrate.upgrade(engine)
        assert (result.before, result.after) == ("0002_team", migrate.head())
        assert _columns(engine)["links"] == set(Base.metadata.tables["links"].columns.keys())
    finally:
        engine.dispose()
    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        assert client.get("/v1/annotations").json()["items"][0]["annotator"] == "ana"
        stored = client.post("/v1/links", headers=AUTH, json={"links": [{
            "doc_id": "d1", "source_start": 29, "source_end": 40, "target_start": 0, "target_end": 28,
            "type": "support"}]})
        assert stored.status_code == 201, stored.text
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            command.downgrade(migrate._config(connection), "0002_team")
            connection.commit()
        assert "links" not in inspect(engine).get_table_names()
        assert _revision(engine) == "0002_team"
    finally:
        engine.dispose()
