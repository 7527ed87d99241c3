"""Annotations: stored durably once, paged and filtered, exported and imported in three formats.

Every test that stores runs on SQLite and on PostgreSQL (the ``database_url`` fixture).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from argmine.service.formats import LABEL_STUDIO_CONFIG
from tests.fakes import FakeLabeler
from tests.service.support import AUTH, post_as_annotators, running

ANNOTATIONS = [
    {"text": "Citizens should vote online.", "role": "claim", "stance": "populist", "risk": False,
     "doc_id": "d1", "start": 0, "end": 28, "annotator": "ana", "note": "clear case"},
    {"text": "Turnout rose by 12 percent in 2019.", "role": "premise", "stance": "none", "risk": False,
     "doc_id": "d1", "start": 29, "end": 64, "annotator": "ana"},
    {"text": "State surveillance of voters is a real risk.", "role": "claim", "stance": "skeptical", "risk": True,
     "doc_id": "d2", "annotator": "ben"},
    {"text": "Le vote \u00e9lectronique \u201cest s\u00fbr\u201d.", "role": "claim", "stance": "populist", "risk": False},
    {"text": "NGOs gain a voice\nonline.", "role": "claim", "stance": "pluralist", "risk": False, "doc_id": "d2",
     "note": "line break kept"},
]
FIELDS = ("text", "role", "stance", "risk", "doc_id", "start", "end", "annotator", "note")
# As stored by post_as_annotators: an annotation without a name was sent with the bootstrap admin token.
STORED = [dict(a, annotator=a.get("annotator") or "admin") for a in ANNOTATIONS]


def _content(items):
    return sorted((tuple(a.get(f) for f in FIELDS) for a in items), key=repr)


@pytest.fixture()
def client(tmp_path, database_url):
    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        yield client


def _all(client, **params):
    return client.get("/v1/annotations", params={"limit": 1000, **params}).json()["items"]


def test_annotations_are_stored_once_and_survive_a_restart(tmp_path, database_url):
    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        first = client.post("/v1/annotations", json={"annotations": ANNOTATIONS}, headers=AUTH)
        assert first.status_code == 201, first.text
        assert (first.json()["created"], first.json()["duplicates"]) == (5, 0)
        # The same sentence with the same labels, differently spaced: not stored again.
        again = [dict(ANNOTATIONS[0], text="Citizens  should vote\nonline."), ANNOTATIONS[1]]
        second = client.post("/v1/annotations", json={"annotations": again}, headers=AUTH).json()
        assert (second["created"], second["duplicates"]) == (0, 2)
        assert [i["id"] for i in second["items"]] == [i["id"] for i in first.json()["items"][:2]]
        # The same sentence with other labels is a disagreement worth keeping.
        other = client.post("/v1/annotations", headers=AUTH,
                            json={"annotations": [dict(ANNOTATIONS[0], stance="none")]}).json()
        assert other["created"] == 1

    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:  # durable settings of the file itself
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        stored = _all(client)
    assert len(stored) == 6
    assert _content(stored[:5]) == _content([dict(a, annotator="admin") for a in ANNOTATIONS])


def test_listing_pages_by_cursor_and_filters(client):
    post_as_annotators(client, ANNOTATIONS)
    seen, after = [], None
    while True:
        page = client.get("/v1/annotations", params={"limit": 2, **({"after": after} if after else {})}).json()
        assert page["total"] == 5
        seen += page["items"]
        after = page["next_after"]
        if after is None:
            break
    assert [a["text"] for a in seen] == [a["text"] for a in ANNOTATIONS]
    assert {a["text"] for a in _all(client, role="premise")} == {ANNOTATIONS[1]["text"]}
    assert {a["text"] for a in _all(client, risk="true")} == {ANNOTATIONS[2]["text"]}
    assert len(_all(client, doc_id="d1", annotator="ana")) == 2
    assert [a["text"] for a in _all(client, q="SURVEILLANCE")] == [ANNOTATIONS[2]["text"]]
    assert _all(client, q="100%") == []  # LIKE wildcards in q are literal
    page = client.get("/v1/annotations", params={"stance": "populist", "limit": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1


@pytest.mark.parametrize("fmt", ["jsonl", "label-studio", "doccano"])
def test_export_then_import_into_a_fresh_service_gives_the_same_annotations(tmp_path, fmt, databases):
    with running(tmp_path / "a", labeler=FakeLabeler(), database_url=databases.new()) as source:
        post_as_annotators(source, ANNOTATIONS)
        exported = source.get("/v1/annotations/export", params={"format": fmt})
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]

    with running(tmp_path / "b", labeler=FakeLabeler(), database_url=databases.new()) as target:
        # An admin restoring a backup keeps who labelled what.
        imported = target.post("/v1/annotations/import", params={"format": fmt}, content=exported.content,
                               headers=AUTH)
        assert imported.status_code == 200, imported.text
        assert imported.json() == {"format": fmt, "read": 5, "created": 5, "duplicates": 0}
        assert _content(_all(target)) == _content(STORED)
        # Importing the same file again adds nothing.
        again = target.post("/v1/annotations/import", params={"format": fmt}, content=exported.content, headers=AUTH)
        assert again.json()["duplicates"] == 5 and again.json()["created"] == 0


def test_exports_are_in_each_tools_own_shape(client):
    post_as_annotators(client, ANNOTATIONS[:1])
    (task,) = client.get("/v1/annotations/export?format=label-studio").json()
    assert task["data"]["text"] == ANNOTATIONS[0]["text"]
    choices = {r["from_name"]: r["value"] for r in task["annotations"][0]["result"]}
    assert choices["role"] == {"choices": ["claim"]} and choices["risk"] == {"choices": ["false"]}
    assert choices["note"] == {"text": ["clear case"]}
    line = json.loads(client.get("/v1/annotations/export?format=doccano").text)
    assert line["label"] == ["role:claim", "stance:populist", "risk:false"] and line["doc_id"] == "d1"
    config = client.get("/v1/annotations/label-studio-config").text
    assert config == LABEL_STUDIO_CONFIG and '<Choices name="stance"' in config


def test_label_studio_tasks_from_the_tool_import_with_their_latest_annotation(client):
    tasks = [
        {"id": 1, "data": {"text": "Online voting is safe."}, "annotations": [
            {"was_cancelled": False, "completed_by": {"email": "old@example.org"},
             "result": [{"from_name": "role", "type": "choices", "value": {"choices": ["none"]}},
                        {"from_name": "stance", "type": "choices", "value": {"choices": ["none"]}},
                        {"from_name": "risk", "type": "choices", "value": {"choices": ["false"]}}]},
            {"was_cancelled": False, "completed_by": {"email": "new@example.org"},
             "result": [{"from_name": "role", "type": "choices", "value": {"choices": ["claim"]}},
                        {"from_name": "stance", "type": "choices", "value": {"choices": ["populist"]}},
                        {"from_name": "risk", "type": "choices", "value": {"choices": ["false"]}}]}]},
        {"id": 2, "data": {"text": "Not labelled yet."}, "annotations": []},
    ]
    response = client.post("/v1/annotations/import?format=label-studio", content=json.dumps(tasks), headers=AUTH)
    assert response.json()["created"] == 1
    (stored,) = _all(client)
    assert (stored["role"], stored["stance"], stored["annotator"]) == ("claim", "populist", "new@example.org")


def test_corrected_label_output_imports_as_jsonl(client):
    """/v1/label output, corrected by hand, is a valid JSONL import: extra keys are ignored."""
    labelled = client.post("/v1/label", json={"documents": [{"id": "d", "text": "Citizens must vote. It rained."}]})
    lines = [dict(s, doc_id="d", role="claim") for s in labelled.json()["documents"][0]["sentences"]]
    body = "\n".join(json.dumps(line) for line in lines)
    response = client.post("/v1/annotations/import?format=jsonl", content=body, headers=AUTH)
    assert response.status_code == 200, response.text
    assert [(a["text"], a["start"], a["end"]) for a in _all(client)] == [("Citizens must vote.", 0, 19),
                                                                        ("It rained.", 20, 30)]


def test_an_import_with_a_bad_record_stores_nothing_and_names_the_line(client):
    body = "\n".join([json.dumps(ANNOTATIONS[0]), json.dumps({**ANNOTATIONS[1], "role": "fact"}),
                      json.dumps({**ANNOTATIONS[2], "risk": "maybe"})])
    response = client.post("/v1/annotations/import?format=jsonl", content=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_import"
    assert "line 2: role" in response.json()["detail"] and "line 3: risk" in response.json()["detail"]
    assert _all(client) == []


def test_sqlite_connections_commit_durably(tmp_path):
    from argmine.service.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: fsync on every commit
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_records_of_every_format_import_together_recognised_by_their_keys(client):
    """argmine, doccano and Label Studio (full and JSON-MIN) records in one upload, no ?format=."""
    records = [
        {"text": "Mixed upload one.", "role": "claim", "stance": "none", "risk": False},
        {"text": "Mixed upload two.", "label": ["role:premise", "stance:none", "risk:true"]},
        {"data": {"text": "Mixed upload three."}, "annotations": [{"result": [
            {"from_name": h, "to_name": "text", "type": "choices", "value": {"choices": [v]}}
            for h, v in (("role", "none"), ("stance", "pluralist"), ("risk", "false"))]}]},
        {"text": "Mixed upload four.", "role": "claim", "stance": "populist", "risk": "true"},  # JSON-MIN
    ]
    response = client.post("/v1/annotations/import", content=json.dumps(records), headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json() == {"format": "mixed", "read": 4, "created": 4, "duplicates": 0}
    stored = client.get("/v1/annotations", params={"q": "mixed upload"}).json()["items"]
    assert [(a["role"], a["risk"]) for a in stored] == [("claim", False), ("premise", True), ("none", False),
                                                         ("claim", True)]


def test_an_empty_upload_is_refused(client):
    for body in (b"", b"  \n", b"[]"):
        response = client.post("/v1/annotations/import", content=body, headers=AUTH)
        assert response.status_code == 422 and response.json()["error"] == "invalid_import", body
