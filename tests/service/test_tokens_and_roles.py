"""People's tokens: made by the CLI, stored as hashes, annotator < admin, names on what they write.

On SQLite and PostgreSQL. 401 for no or an unknown (or revoked) token, 403 for a role too weak.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from argmine.cli import app
from tests.fakes import FakeLabeler
from tests.service.support import AUTH, running, token_for

ONE = {"text": "Citizens should vote online.", "role": "claim", "stance": "populist", "risk": False}
ADMIN_ONLY = [("/v1/train", {"json": {}}), ("/v1/models/fake-1/activate", {}), ("/v1/jobs/some-job/cancel", {}),
              ("/v1/tokens", {"json": {"name": "eve", "role": "admin"}})]


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_cli_tokens_are_shown_once_stored_hashed_listed_and_revoked(tmp_path, database_url):
    db = ["--data-dir", str(tmp_path / "data"), "--database-url", database_url]
    ana = _cli("tokens", "create", "ana", "--role", "annotator", *db).strip()
    boss = _cli("tokens", "create", "Bo Admin", "--role", "admin", *db).strip()
    assert ana.startswith("argmine_") and len(ana) > 40 and ana != boss

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, role, token_hash, created_by FROM tokens ORDER BY id")).all()
    engine.dispose()
    assert [(r.name, r.role) for r in rows] == [("ana", "annotator"), ("Bo Admin", "admin")]
    assert rows[0].token_hash == hashlib.sha256(ana.encode()).hexdigest()
    assert all(ana not in str(tuple(r)) and boss not in str(tuple(r)) for r in rows)  # only the hash is kept
    assert rows[0].created_by.startswith("cli")

    listing = _cli("tokens", "list", *db)
    assert "ana" in listing and "annotator" in listing and "Bo Admin" in listing and ana not in listing

    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        stored = client.post("/v1/annotations", json={"annotations": [ONE]}, headers=_bearer(ana))
        assert stored.status_code == 201, stored.text
        assert client.post("/v1/models/fake-1/activate", headers=_bearer(boss)).status_code == 200

        assert "revoked token 1 of ana" in _cli("tokens", "revoke", "ana", *db)
        refused = client.post("/v1/annotations", json={"annotations": [ONE]}, headers=_bearer(ana))
        assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
    assert "ana" not in _cli("tokens", "list", *db) and "ana" in _cli("tokens", "list", "--all", *db)


def test_cli_refuses_an_unknown_role_and_a_missing_token_clearly(tmp_path, database_url):
    db = ["--data-dir", str(tmp_path / "data"), "--database-url", database_url]
    result = CliRunner().invoke(app, ["tokens", "create", "ana", "--role", "boss", *db])
    assert result.exit_code == 1 and "role must be one of annotator, admin" in result.output
    result = CliRunner().invoke(app, ["tokens", "revoke", "nobody", *db])
    assert result.exit_code == 1 and "no active token with name 'nobody'" in result.output


@pytest.fixture()
def client(tmp_path, database_url):
    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        yield client


@pytest.mark.parametrize(("path", "kwargs"), ADMIN_ONLY, ids=[p for p, _ in ADMIN_ONLY])
def test_an_annotator_token_is_refused_admin_writes_with_403(client, path, kwargs):
    response = client.post(path, headers=token_for(client, "ana"), **kwargs)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "forbidden"
    assert "ana's token has the role annotator" in response.json()["detail"]
    assert client.get("/v1/models").json()["active"] == "fake-1"
    assert client.get("/v1/jobs").json()["jobs"] == []


def test_an_unknown_token_is_401_in_the_json_error_format(client):
    for token in ("argmine_not-a-real-token-at-all-0123456789", "something-else-entirely-0123"):
        response = client.post("/v1/annotations", json={"annotations": [ONE]}, headers=_bearer(token))
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized" and "argmine tokens create" in response.json()["detail"]


def test_the_annotator_is_the_token_owner_never_the_body(client):
    ana = token_for(client, "ana")
    sent = dict(ONE, annotator="somebody-else")
    item = client.post("/v1/annotations", json={"annotations": [sent]}, headers=ana).json()["items"][0]
    assert (item["annotator"], item["created_by"]) == ("ana", "ana")
    assert item["created_at"]  # who and when

    # An annotator's import is theirs too, whatever the file says.
    line = '{"text": "Hackers could alter the count.", "role": "premise", "stance": "skeptical", ' \
           '"risk": true, "annotator": "mallory"}'
    assert client.post("/v1/annotations/import?format=jsonl", content=line, headers=ana).json()["created"] == 1
    # An admin's import is a restore: the file's annotator stays, the admin is recorded as the writer.
    line2 = line.replace("alter", "change")
    assert client.post("/v1/annotations/import?format=jsonl", content=line2, headers=AUTH).json()["created"] == 1
    items = client.get("/v1/annotations").json()["items"]
    assert [(a["annotator"], a["created_by"]) for a in items] == [("ana", "ana"), ("ana", "ana"),
                                                                  ("mallory", "admin")]
    assert client.get("/v1/annotations", params={"annotator": "ana"}).json()["total"] == 2


def test_admins_manage_tokens_over_http_and_revocation_is_immediate(client):
    made = client.post("/v1/tokens", json={"name": "ben", "role": "annotator"}, headers=AUTH)
    assert made.status_code == 201, made.text
    ben = _bearer(made.json()["token"])
    assert made.json()["name"] == "ben" and made.json()["created_by"] == "admin"
    assert client.post("/v1/annotations", json={"annotations": [ONE]}, headers=ben).status_code == 201

    listed = client.get("/v1/tokens", headers=AUTH).json()["tokens"]
    assert [(t["name"], t["role"], t["active"]) for t in listed] == [("ben", "annotator", True)]
    assert "token" not in listed[0]
    assert client.get("/v1/tokens", headers=ben).status_code == 403
    assert client.get("/v1/tokens").status_code == 401

    revoked = client.post(f"/v1/tokens/{listed[0]['id']}/revoke", headers=AUTH)
    assert revoked.status_code == 200 and revoked.json()["revoked_by"] == "admin"
    assert client.post("/v1/annotations", json={"annotations": [ONE]}, headers=ben).status_code == 401
    assert client.post(f"/v1/tokens/{listed[0]['id']}/revoke", headers=AUTH).status_code == 404
    bad = client.post("/v1/tokens", json={"name": "eve", "role": "owner"}, headers=AUTH)
    assert bad.status_code == 422 and bad.json()["error"] == "validation_error"


def test_admin_writes_record_who_made_them(client):
    boss = token_for(client, "boss", role="admin")
    client.post("/v1/models/fake-1/activate", headers=boss)
    state = client.app.state.services.model.state.get("active_model")
    assert (state.value, state.updated_by) == ("fake-1", "boss") and state.updated_at is not None
