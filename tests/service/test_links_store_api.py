"""Links people draw: stored once, paged and filtered, changed in place, deleted, exported and
imported, refused when the scheme forbids them; a training job learns from them. Every test that
stores runs on SQLite and on PostgreSQL (the ``database_url`` fixture)."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import write_corpus as write_linked_corpus
from tests.fakes import FakeLabeler
from tests.service.fake_models import fake_train_with_links
from tests.service.support import AUTH, running, token_for

TEXT = "Citizens should vote online. Turnout rose by 12 percent in 2019. However, hackers could break it."
S = [(0, 28), (29, 64), (65, 96)]


def link(source: int, target: int, kind: str = "support", doc_id: str = "d1", **extra) -> dict:
    (ss, se), (ts, te) = S[source], S[target]
    return {"doc_id": doc_id, "source_start": ss, "source_end": se, "target_start": ts, "target_end": te,
            "type": kind, "source_text": TEXT[ss:se], "target_text": TEXT[ts:te], **extra}


@pytest.fixture()
def client(tmp_path, database_url):
    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        yield client


def _add(client, links, headers=AUTH):
    return client.post("/v1/links", json={"links": links}, headers=headers)


def test_a_link_is_stored_once_and_survives_a_restart(tmp_path, database_url):
    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        first = _add(client, [link(1, 0), link(2, 0, "attack")])
        assert first.status_code == 201, first.text
        assert (first.json()["created"], first.json()["duplicates"]) == (2, 0)
        item = first.json()["items"][0]
        assert (item["annotator"], item["created_by"], item["updated_at"]) == ("admin", "admin", None)
        assert item["source_text"] == "Turnout rose by 12 percent in 2019."
        again = _add(client, [link(1, 0)]).json()
        assert (again["created"], again["duplicates"]) == (0, 1)
        assert again["items"][0]["id"] == item["id"] and again["items"][0]["created"] is False
        # Another person drawing the same link is their own link (agreement counts both).
        ana = _add(client, [link(1, 0)], token_for(client, "ana")).json()
        assert ana["created"] == 1 and ana["items"][0]["annotator"] == "ana"
    with running(tmp_path, labeler=FakeLabeler(), database_url=database_url) as client:
        assert client.get("/v1/links").json()["total"] == 3


def test_a_second_target_for_the_same_sentence_is_a_conflict_and_stores_nothing(client):
    assert _add(client, [link(1, 0)]).status_code == 201
    response = _add(client, [link(2, 0), link(1, 2, "attack")])
    assert response.status_code == 409 and response.json()["error"] == "conflict"
    assert "PATCH /v1/links/" in response.json()["detail"]
    assert client.get("/v1/links").json()["total"] == 1  # all or nothing: link(2, 0) is not kept either
    both = _add(client, [link(2, 0), link(2, 1)])
    assert both.status_code == 409


@pytest.mark.parametrize(("body", "needle"), [
    (link(1, 1), "to itself"),
    (dict(link(1, 0), target_start=10, target_end=40), "overlap"),
    (dict(link(1, 0), source_end=29), "is not a sentence"),
    (dict(link(1, 0), type="rebut"), "support"),
    (dict(link(1, 0), doc_id=""), "doc_id"),
    (dict(link(1, 0), target_doc_id="d2"), "target_doc_id"),
], ids=["self", "overlap", "empty-span", "type", "no-document", "other-document"])
def test_links_the_scheme_forbids_are_refused_with_422(client, body, needle):
    response = _add(client, [body])
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error" and needle in json.dumps(response.json())
    assert client.get("/v1/links").json()["total"] == 0


def test_writes_need_a_token_and_annotators_change_only_their_own_links(client):
    for call in (lambda h: client.post("/v1/links", json={"links": [link(1, 0)]}, headers=h),
                 lambda h: client.patch("/v1/links/1", json={"type": "attack"}, headers=h),
                 lambda h: client.delete("/v1/links/1", headers=h),
                 lambda h: client.post("/v1/links/import", content=json.dumps(link(1, 0)), headers=h)):
        response = call({})
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert client.get("/v1/links").json()["total"] == 0
    ana, ben = token_for(client, "ana"), token_for(client, "ben")
    stored = _add(client, [link(1, 0)], ana).json()["items"][0]
    for response in (client.patch(f"/v1/links/{stored['id']}", json={"type": "attack"}, headers=ben),
                     client.delete(f"/v1/links/{stored['id']}", headers=ben)):
        assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert client.get(f"/v1/links/{stored['id']}").json()["type"] == "support"
    # The admin may change anyone's.
    assert client.patch(f"/v1/links/{stored['id']}", json={"type": "attack"}, headers=AUTH).status_code == 200


def test_a_link_changes_type_and_target_in_place_and_is_deleted(client):
    stored = _add(client, [link(1, 0)]).json()["items"][0]
    changed = client.patch(f"/v1/links/{stored['id']}", json={"type": "attack"}, headers=AUTH)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["id"], changed.json()["type"], changed.json()["updated_by"]) == (stored["id"], "attack",
                                                                                          "admin")
    moved = client.patch(f"/v1/links/{stored['id']}", headers=AUTH,
                         json={"target_start": S[2][0], "target_end": S[2][1], "target_text": TEXT[65:96]}).json()
    assert (moved["target_start"], moved["target_text"], moved["type"]) == (65, TEXT[65:96], "attack")
    onto_itself = client.patch(f"/v1/links/{stored['id']}", headers=AUTH,
                               json={"target_start": S[1][0], "target_end": S[1][1]})
    assert onto_itself.status_code == 422 and onto_itself.json()["error"] == "invalid_link"
    assert client.get("/v1/links").json()["items"] == [moved]
    # Adding the changed link again is a duplicate of it, not a conflict.
    assert _add(client, [link(1, 2, "attack")]).json()["duplicates"] == 1
    assert client.delete(f"/v1/links/{stored['id']}", headers=AUTH).status_code == 204
    gone = client.delete(f"/v1/links/{stored['id']}", headers=AUTH)
    assert gone.status_code == 404 and gone.json()["error"] == "not_found"
    assert client.get(f"/v1/links/{stored['id']}").status_code == 404
    assert client.get("/v1/links").json()["total"] == 0


def test_links_page_by_id_with_filters(client):
    ana = token_for(client, "ana")
    _add(client, [link(1, 0), link(2, 0, "attack"), link(1, 0, doc_id="d2")])
    _add(client, [link(2, 1)], ana)
    first = client.get("/v1/links", params={"limit": 2}).json()
    assert first["total"] == 4 and len(first["items"]) == 2 and first["next_after"] == first["items"][-1]["id"]
    rest = client.get("/v1/links", params={"limit": 2, "after": first["next_after"]}).json()
    assert rest["next_after"] is None
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert client.get("/v1/links", params={"doc_id": "d2"}).json()["total"] == 1
    assert [i["annotator"] for i in client.get("/v1/links", params={"annotator": "ana"}).json()["items"]] == ["ana"]
    assert client.get("/v1/links", params={"doc_id": "d1", "annotator": "admin"}).json()["total"] == 2


def test_export_then_import_gives_the_same_links(tmp_path, database_url, client):
    ana = token_for(client, "ana")
    _add(client, [link(1, 0), link(2, 0, "attack")])
    _add(client, [link(1, 2, doc_id="d2")], ana)
    exported = client.get("/v1/links/export")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/x-ndjson")
    lines = exported.text.splitlines()
    assert len(lines) == 3 and json.loads(lines[2])["annotator"] == "ana"
    fields = ("doc_id", "source_start", "source_end", "target_start", "target_end", "source_text", "target_text",
              "type", "annotator")

    def content(items):
        return sorted(tuple(i[f] for f in fields) for i in items)

    # Importing its own export adds nothing.
    assert client.post("/v1/links/import", content=exported.text, headers=AUTH).json() == {
        "read": 3, "created": 0, "duplicates": 3}
    with running(tmp_path / "other", labeler=FakeLabeler()) as other:
        imported = other.post("/v1/links/import", content=exported.content, headers=AUTH)
        assert imported.json() == {"read": 3, "created": 3, "duplicates": 0}, imported.text
        # An admin's import keeps who drew each link.
        assert content(other.get("/v1/links").json()["items"]) == content(client.get("/v1/links").json()["items"])
        # An annotator's import is theirs, whatever the file says.
        ben = other.post("/v1/links/import", content=lines[0].replace('"admin"', '"zoe"'),
                         headers=token_for(other, "ben")).json()
        assert ben["created"] == 1
        assert other.get("/v1/links", params={"annotator": "ben"}).json()["total"] == 1
        bad = other.post("/v1/links/import", headers=AUTH,
                         content=lines[0] + "\n" + json.dumps(link(1, 1)) + "\nnot json\n")
        assert bad.status_code == 422 and bad.json()["error"] == "invalid_import"
        bad = other.post("/v1/links/import", headers=AUTH, content=lines[0] + "\n" + json.dumps(link(1, 1)) + "\n")
        assert bad.status_code == 422 and "line 2" in bad.json()["detail"] and "itself" in bad.json()["detail"]
        assert other.get("/v1/links").json()["total"] == 4  # nothing of a refused upload is kept


def test_graph_exports_reuse_the_corpus_formats_with_stored_labels(client):
    client.post("/v1/annotations", headers=AUTH, json={"annotations": [
        {"text": TEXT[0:28], "role": "claim", "stance": "populist", "risk": False, "doc_id": "d1", "start": 0, "end": 28}]})
    _add(client, [link(1, 0), link(2, 0, "attack")])
    csv = client.get("/v1/links/export", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == ["source,target,type,probability,doc_id,source_sent_id,target_sent_id",
                                     "d1:29,d1:0,support,1.0,d1,29,0", "d1:65,d1:0,attack,1.0,d1,65,0"]
    graph = ET.fromstring(client.get("/v1/links/export", params={"format": "graphml"}).text)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    nodes = {n.get("id"): {d.get("key"): d.text for d in n.findall("g:data", ns)} for n in graph.iter(f"{{{ns['g']}}}node")}
    assert nodes["d1:0"]["role"] == "claim" and nodes["d1:0"]["text"] == TEXT[0:28]
    assert "role" not in nodes["d1:29"]  # nobody labelled it: no label is made up
    aif = client.get("/v1/links/export", params={"format": "aif"}).json()
    assert sorted(n["type"] for n in aif["nodes"]) == ["CA", "I", "I", "I", "RA"]
    assert len(aif["edges"]) == 4
    assert client.get("/v1/links/export", params={"format": "xml"}).status_code == 422


@pytest.mark.slow  # ~10 s: a spawned job process loads the frozen encoder and fits the link model for real
def test_a_training_job_learns_from_the_stored_links(tmp_path):
    corpus = write_linked_corpus(tmp_path / "corpus", links=True)
    with running(tmp_path, annotations_dir=corpus, train_worker=fake_train_with_links) as client:
        labels = [("claim", "populist"), ("premise", "none"), ("premise", "skeptical")]
        client.post("/v1/annotations", headers=AUTH, json={"annotations": [
            {"text": TEXT[s:e], "role": r, "stance": st, "risk": False, "doc_id": "d1", "start": s, "end": e}
            for (s, e), (r, st) in zip(S, labels)]})
        _add(client, [link(1, 0), link(2, 0, "attack")])
        job = client.post("/v1/train", json={}, headers=AUTH).json()
        deadline = time.monotonic() + 90
        while job["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.3)
            job = client.get(f"/v1/jobs/{job['id']}").json()
        assert job["status"] == "succeeded", job
        model_dir = client.app.state.services.registry.get(job["version"]).path
        data = json.loads((model_dir / "links" / "data.json").read_text())
        assert (data["corpus_links"], data["stored_links"], data["stored_documents"]) == (3, 2, 1)
