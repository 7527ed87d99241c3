"""Writes need the bearer token; reads do not. Without ARGMINE_API_TOKEN one is generated, 0600."""

from __future__ import annotations

import stat

import pytest

from argmine.service.app import create_app
from argmine.service.settings import Settings
from tests.databases import BACKENDS, Databases
from tests.fakes import FakeLabeler
from tests.service.support import AUTH, running, write_fake_model

ANNOTATION = {"annotations": [{"text": "Citizens should vote.", "role": "claim", "stance": "populist", "risk": False}]}
WRITES = [
    ("/v1/annotations", {"json": ANNOTATION}),
    ("/v1/annotations/import?format=jsonl", {"content": b'{"text": "x", "role": "none", "stance": "none", "risk": false}'}),
    ("/v1/links", {"json": {"links": [{"doc_id": "d", "source_start": 5, "source_end": 9, "target_start": 0,
                                       "target_end": 4, "type": "support"}]}}),
    ("/v1/links/import", {"content": b'{"doc_id": "d", "source_start": 5, "source_end": 9, "target_start": 0, '
                                     b'"target_end": 4, "type": "attack"}'}),
    ("/v1/train", {"json": {}}),
    ("/v1/models/fake-1/activate", {}),
    ("/v1/jobs/some-job/cancel", {}),
]


@pytest.fixture(scope="module", params=BACKENDS)
def client(request, tmp_path_factory):
    databases = Databases(request.param, tmp_path_factory.mktemp("databases"))
    try:
        with running(tmp_path_factory.mktemp("auth"), labeler=FakeLabeler(), database_url=databases.new()) as client:
            yield client
    finally:
        databases.close()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-0123456789"},
                                     {"Authorization": "Basic dXNlcjpwYXNz"}], ids=["none", "wrong", "basic"])
@pytest.mark.parametrize(("path", "kwargs"), WRITES, ids=[w[0] for w in WRITES])
def test_writes_without_the_token_are_refused(client, path, kwargs, headers):
    response = client.post(path, headers=headers, **kwargs)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/v1/annotations").json()["total"] == 0  # nothing was written
    assert client.get("/v1/links").json()["total"] == 0


def test_reads_and_labelling_need_no_token_and_writes_work_with_it(client):
    for path in ("/v1/annotations", "/v1/models", "/v1/jobs", "/v1/suggestions", "/healthz", "/readyz", "/metrics"):
        assert client.get(path).status_code == 200, path
    assert client.post("/v1/label", json={"documents": [{"text": "Hi there."}]}).status_code == 200
    assert client.post("/v1/annotations", json=ANNOTATION, headers=AUTH).status_code == 201


def test_without_a_configured_token_one_is_generated_private_and_kept(tmp_path, caplog):
    settings = Settings(data_dir=tmp_path / "data", model_dir=write_fake_model(tmp_path / "m", "fake-1"))
    token_file = tmp_path / "data" / "api_token"
    from fastapi.testclient import TestClient

    with caplog.at_level("INFO"), TestClient(create_app(settings, lambda _p: FakeLabeler())) as client:
        token = token_file.read_text().strip()
        assert len(token) >= 32
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert str(token_file.resolve()) in caplog.text  # the log says where to find it
        assert token not in caplog.text  # but never the token itself
        assert client.post("/v1/annotations", json=ANNOTATION).status_code == 401
        assert client.post("/v1/annotations", json=ANNOTATION,
                           headers={"Authorization": f"Bearer {token}"}).status_code == 201
    with TestClient(create_app(settings, lambda _p: FakeLabeler())) as client:  # a restart keeps it
        assert token_file.read_text().strip() == token
        assert client.post("/v1/annotations", json=ANNOTATION,
                           headers={"Authorization": f"Bearer {token}"}).status_code == 201


@pytest.mark.parametrize("token", ["changeme", "short"])
def test_a_guessable_configured_token_is_refused_at_start(tmp_path, token):
    with pytest.raises(ValueError, match="at least 16 characters"):
        Settings(data_dir=tmp_path, api_token=token)
