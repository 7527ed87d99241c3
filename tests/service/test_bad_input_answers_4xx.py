"""Every bad input gets its 4xx with a JSON {"error", "detail"} body, never a 500."""

from __future__ import annotations

import pytest

from tests.fakes import FakeLabeler
from tests.service.support import AUTH, running

LIMITS = {"max_documents": 3, "max_chars": 200, "max_body_bytes": 4096}
GOOD = {"text": "Citizens should vote online.", "role": "claim", "stance": "populist", "risk": False}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    fake = FakeLabeler()
    with running(tmp_path_factory.mktemp("bad-input"), labeler=fake, **LIMITS) as client:
        client.fake = fake
        yield client


def _json(headers: dict[str, str] | None = None) -> dict[str, str]:
    return {"Content-Type": "application/json", **(headers or {})}


CASES = [
    # (name, method, path, kwargs, status, error kind, words the detail must contain)
    ("malformed json", "post", "/v1/label", {"content": b'{"documents": [', "headers": _json()},
     400, "malformed_json", "not valid JSON"),
    ("malformed json on a write", "post", "/v1/annotations", {"content": b"{nope", "headers": _json(AUTH)},
     400, "malformed_json", "not valid JSON"),
    ("documents not a list", "post", "/v1/label", {"json": {"documents": "text"}},
     422, "validation_error", "body.documents"),
    ("text not a string", "post", "/v1/label", {"json": {"documents": [{"text": 42}]}},
     422, "validation_error", "body.documents.0.text"),
    ("unknown field", "post", "/v1/label", {"json": {"documents": [{"text": "Hi.", "lang": "en"}]}},
     422, "validation_error", "lang"),
    ("no documents", "post", "/v1/label", {"json": {"documents": []}}, 422, "validation_error", "documents"),
    ("empty text", "post", "/v1/label", {"json": {"documents": [{"text": ""}]}},
     422, "validation_error", "text is empty"),
    ("blank text", "post", "/v1/label", {"json": {"documents": [{"text": " \n\t "}]}},
     422, "validation_error", "text is empty"),
    ("empty text/plain body", "post", "/v1/label", {"content": b"", "headers": {"Content-Type": "text/plain"}},
     422, "validation_error", "text is empty"),
    ("invalid utf-8 json", "post", "/v1/label",
     {"content": b'{"documents": [{"text": "caf\xe9 \xff"}]}', "headers": _json()}, 400, "invalid_encoding", "UTF-8"),
    ("invalid utf-8 text", "post", "/v1/label", {"content": b"caf\xe9 au lait.", "headers": {"Content-Type": "text/plain"}},
     400, "invalid_encoding", "UTF-8"),
    ("invalid utf-8 on a write", "post", "/v1/annotations", {"content": b'{"annotations": "\xff"}', "headers": _json(AUTH)},
     400, "invalid_encoding", "UTF-8"),
    ("invalid utf-8 import", "post", "/v1/annotations/import", {"content": b"\xff\xfe", "headers": AUTH},
     400, "invalid_encoding", "UTF-8"),
    ("unsupported media type", "post", "/v1/label", {"content": b"<doc/>", "headers": {"Content-Type": "application/xml"}},
     415, "unsupported_media_type", "application/xml"),
    ("too many documents", "post", "/v1/label", {"json": {"documents": [{"text": "Hi."}] * 4}},
     413, "limit_exceeded", "max_documents=3"),
    ("too long document", "post", "/v1/label", {"json": {"documents": [{"id": "long", "text": "Word. " * 40}]}},
     413, "limit_exceeded", "max_chars=200"),
    ("too big body", "post", "/v1/label", {"json": {"documents": [{"text": "x" * 5000}]}},
     413, "body_too_large", "max_body_bytes=4096"),
    ("too big chunked body", "post", "/v1/label",
     {"content": iter([b'{"documents": [{"text": "', b"x" * 3000, b"y" * 3000, b'"}]}']), "headers": _json()},
     413, "body_too_large", "max_body_bytes=4096"),
    ("too big chunked write", "post", "/v1/annotations",
     {"content": iter([b'{"annotations": [{"text": "', b"x" * 5000, b'"}]}']), "headers": _json(AUTH)},
     413, "body_too_large", "max_body_bytes=4096"),
    ("unknown role", "post", "/v1/annotations", {"json": {"annotations": [{**GOOD, "role": "argument"}]}, "headers": AUTH},
     422, "validation_error", "'claim', 'premise' or 'none'"),
    ("unknown stance", "post", "/v1/annotations", {"json": {"annotations": [{**GOOD, "stance": "liberal"}]}, "headers": AUTH},
     422, "validation_error", "body.annotations.0.stance"),
    ("risk as a string", "post", "/v1/annotations", {"json": {"annotations": [{**GOOD, "risk": "yes"}]}, "headers": AUTH},
     422, "validation_error", "body.annotations.0.risk"),
    ("empty annotation text", "post", "/v1/annotations", {"json": {"annotations": [{**GOOD, "text": "  "}]}, "headers": AUTH},
     422, "validation_error", "text is empty"),
    ("negative offset", "post", "/v1/annotations",
     {"json": {"annotations": [{**GOOD, "start": -1}]}, "headers": AUTH}, 422, "validation_error", "start"),
    ("unknown export format", "get", "/v1/annotations/export?format=csv", {}, 422, "validation_error", "format"),
    ("unknown filter value", "get", "/v1/annotations?role=opinion", {}, 422, "validation_error", "role"),
    ("bad paging", "get", "/v1/annotations?limit=0", {}, 422, "validation_error", "limit"),
    ("unknown import labels", "post", "/v1/annotations/import?format=doccano",
     {"content": b'{"text": "Hi.", "label": ["role:claim", "tone:angry"]}\n', "headers": AUTH},
     422, "invalid_import", "line 1"),
    ("training number as a boolean", "post", "/v1/train", {"json": {"config": {"dropout": False}}, "headers": AUTH},
     422, "validation_error", "config.dropout"),
    ("unknown training key", "post", "/v1/train", {"json": {"config": {"epochz": 3}}, "headers": AUTH},
     422, "validation_error", "epochz"),
    ("training on the held-out sections", "post", "/v1/train", {"json": {"config": {"holdout": False}},
                                                                 "headers": AUTH}, 422, "validation_error", "holdout"),
    ("a server file named in a request", "post", "/v1/train",
     {"json": {"config": {"link_roles_from": "/etc/passwd"}}, "headers": AUTH}, 422, "validation_error",
     "ARGMINE_TRAIN_CONFIG"),
    ("unknown model version", "post", "/v1/models/nope/activate", {"headers": AUTH}, 404, "not_found", "'nope'"),
    ("unknown job", "get", "/v1/jobs/nope", {}, 404, "not_found", "'nope'"),
    ("unknown route", "get", "/v2/label", {}, 404, "not_found", "Not Found"),
    ("wrong method", "get", "/v1/label", {}, 405, "method_not_allowed", "this path allows OPTIONS, POST"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "kind", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_its_status_and_a_json_error(client, method, path, kwargs, status, kind, words):
    calls_before = len(client.fake.calls)
    response = getattr(client, method)(path, **kwargs) if method == "get" else client.request(method.upper(), path, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == kind
    assert isinstance(body["detail"], str) and words in body["detail"], body["detail"]
    assert len(client.fake.calls) == calls_before  # a refused request never reaches the model
    if status == 405:
        assert response.headers["Allow"] == "OPTIONS, POST"


def test_a_model_failure_is_a_json_500_for_every_request_of_the_batch(tmp_path):
    fake = FakeLabeler()
    with running(tmp_path, labeler=fake) as client:
        fake.fail = True  # after start-up: the warm-up call must succeed
        response = client.post("/v1/label", json={"documents": [{"text": "Anything."}]})
        assert client.get("/healthz").status_code == 200  # the service lives on
    assert response.status_code == 500
    assert response.json()["error"] == "model_error"
