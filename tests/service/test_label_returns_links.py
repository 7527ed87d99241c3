from pathlib import Path

import pytest

from argmine.models.link_features import documents_from_records
from argmine.models.links import LinkModel
from argmine.models.sentence_vectors import LabelerVectors
from argmine.training.corpus import load_corpus, load_links
from tests.fakes import FakeLabeler
from tests.link_corpus import write_link_corpus
from tests.service.support import running, write_fake_model

# FakeLabeler: digits make a premise, "should"/"must" a claim, anything else role none.
TEXT = ("Citizens should vote online in every election. In 2019 turnout rose by 12 percent. "
        "The weather was mild.\n\nParties must publish their budgets online. "
        "For example, 40 percent of parties did so in 2021.")


@pytest.fixture(scope="module")
def link_model(tmp_path_factory) -> LinkModel:
    root = write_link_corpus(tmp_path_factory.mktemp("links") / "annotations", n_docs=6, paragraphs=3)
    return LinkModel(vectors=LabelerVectors(FakeLabeler())).fit(documents_from_records(load_corpus(root)),
                                                             load_links(root))


@pytest.mark.slow
def test_documents_come_back_with_links_between_their_arguing_sentences(tmp_path: Path, link_model: LinkModel):
    shipped = write_fake_model(tmp_path / "shipped", "fake-1")
    link_model.save(shipped / "links")
    with running(tmp_path, labeler=FakeLabeler(), model_dir=shipped) as client:
        response = client.post("/v1/label", json={"documents": [{"id": "d1", "text": TEXT}]})
    assert response.status_code == 200, response.text
    document = response.json()["documents"][0]
    roles = {s["sent_id"]: s["role"] for s in document["sentences"]}
    assert roles == {0: "claim", 1: "premise", 2: "none", 3: "claim", 4: "premise"}
    links = document["links"]
    assert links, "the premises back the claims next to them"
    assert len({l["source"] for l in links}) == len(links)
    for link in links:
        assert roles[link["source"]] != "none" and roles[link["target"]] != "none"
        assert link["source"] != link["target"] and link["type"] in ("support", "attack")
        assert 0.0 <= link["probability"] <= 1.0
    assert {"source": 1, "target": 0} in [{k: l[k] for k in ("source", "target")} for l in links]


def test_a_model_without_a_link_model_answers_links_null(tmp_path: Path):
    with running(tmp_path, labeler=FakeLabeler()) as client:
        response = client.post("/v1/label", json={"documents": [{"id": "d1", "text": TEXT}]})
    assert response.status_code == 200
    assert response.json()["documents"][0]["links"] is None


@pytest.mark.slow
def test_a_link_model_trained_on_another_models_vectors_answers_links_null(tmp_path: Path, caplog):
    other = FakeLabeler()
    other.version = "fake-0"  # the sentence model the link model was trained beside; the service runs fake-1
    root = write_link_corpus(tmp_path / "annotations", n_docs=4, paragraphs=2)
    shipped = write_fake_model(tmp_path / "shipped", "fake-1")
    LinkModel(vectors=LabelerVectors(other)).fit(documents_from_records(load_corpus(root)),
                                                 load_links(root)).save(shipped / "links")
    with caplog.at_level("ERROR", logger="argmine.service.links"), \
            running(tmp_path, labeler=FakeLabeler(), model_dir=shipped) as client:
        responses = [client.post("/v1/label", json={"documents": [{"id": "d1", "text": TEXT}]}) for _ in range(3)]
    assert all(r.status_code == 200 for r in responses), responses[0].text
    document = responses[-1].json()["documents"][0]
    assert document["links"] is None and len(document["sentences"]) == 5
    said = [r for r in caplog.records if r.name == "argmine.service.links"]
    assert len(said) == 1 and "no links for model" in said[0].getMessage()  # once, not per request


@pytest.mark.slow
def test_list_items_of_an_html_page_may_back_the_sentence_that_introduces_them(tmp_path: Path,
                                                                                link_model: LinkModel):
    # Extraction gives every <li> a unit of its own, parted by a blank line; for links a list continues
    # the paragraph before it, as a text file writes it, so its items can reach the claim that leads in.
    assert link_model.same_paragraph
    shipped = write_fake_model(tmp_path / "shipped", "fake-1")
    link_model.save(shipped / "links")
    page = (b"<html><body><p>Citizens should vote online in every election.</p><ul>"
            b"<li>In 2019 turnout rose by 12 percent.</li><li>In 2021 it rose by 9 percent.</li></ul>"
            b"<p>Parties must publish their budgets online.</p></body></html>")
    with running(tmp_path, labeler=FakeLabeler(), model_dir=shipped) as client:
        response = client.post("/v1/label", content=page, headers={"Content-Type": "text/html"})
    assert response.status_code == 200, response.text
    document = response.json()["documents"][0]
    assert [s["role"] for s in document["sentences"]] == ["claim", "premise", "premise", "claim"]
    targets = {l["source"]: l["target"] for l in document["links"]}
    assert targets.get(1) == 0 and 3 not in targets.values()  # the items back the lead, not the next paragraph
