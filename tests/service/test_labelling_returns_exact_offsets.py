"""POST /v1/label on messy real-world text: every sentence maps back onto the text as sent."""

from __future__ import annotations

import pytest

from argmine.models.scheme import HEADS
from tests.fakes import FakeLabeler
from tests.service.support import running

# A PDF extraction: a heading without a full stop, a sentence broken over lines,
# a word hyphenated across a line break, abbreviations, decimals, a quotation,
# bullets of three kinds, CRLF line ends, and non-ASCII characters.
MESSY = (
    "Key findings\n"
    "E-government in the U.S. grew fast. Mr. Smith, e.g. the minister, said it costs 3.5 billion dollars\n"
    "per year. The govern-\n"
    "ment must act now!\n"
    "\n"
    "Risks\n"
    "- Citizens should vote online.\n"
    "* NGOs and parties gain a voice.\n"
    "\u2022 Surveillance is a risk.\n"
    "\n"
    "\u201cOnline petitions change nothing,\u201d she said. Turnout rose to 12.4% in 2019, etc. Critics disagree.\r\n"
    "Is it enough? Na\u00efve optimism, says Dr. M\u00fcller.\n"
)
EXPECTED = [
    "Key findings",
    "E-government in the U.S. grew fast.",
    "Mr. Smith, e.g. the minister, said it costs 3.5 billion dollars\nper year.",
    "The govern-\nment must act now!",
    "Risks",
    "- Citizens should vote online.",
    "* NGOs and parties gain a voice.",
    "\u2022 Surveillance is a risk.",
    "\u201cOnline petitions change nothing,\u201d she said.",
    "Turnout rose to 12.4% in 2019, etc.",
    "Critics disagree.",
    "Is it enough?",
    "Na\u00efve optimism, says Dr. M\u00fcller.",
]


@pytest.fixture()
def client(tmp_path):
    with running(tmp_path, labeler=FakeLabeler()) as client:
        yield client


def test_every_sentence_of_messy_text_has_offsets_into_the_text_as_sent(client):
    response = client.post("/v1/label", json={"documents": [{"id": "pdf-1", "text": MESSY}]})
    assert response.status_code == 200, response.text
    (document,) = response.json()["documents"]
    assert document["id"] == "pdf-1"
    sentences = document["sentences"]
    assert [s["text"] for s in sentences] == EXPECTED
    for i, s in enumerate(sentences):
        assert s["sent_id"] == i
        assert MESSY[s["start"]:s["end"]] == s["text"]
    assert [s["start"] for s in sentences] == sorted(s["start"] for s in sentences)
    # Nothing but whitespace falls between sentences: no text is lost.
    covered = "".join(MESSY[a["end"]:b["start"]] for a, b in zip(sentences, sentences[1:]))
    assert not covered.strip()


def test_each_sentence_carries_labels_probabilities_uncertainty_and_model_version(client):
    text = "Citizens must vote online. Turnout rose by 12 percent. State surveillance is a risk."
    (document,) = client.post("/v1/label", json={"documents": [{"text": text}]}).json()["documents"]
    first, second, third = document["sentences"]
    # FakeLabeler labels by keyword, so the labels show the model's output reached the right sentence.
    assert (first["role"], first["stance"], first["risk"]) == ("claim", "populist", False)
    assert (second["role"], second["stance"]) == ("premise", "none")
    assert (third["stance"], third["risk"]) == ("skeptical", True)
    for s in document["sentences"]:
        assert s["model_version"] == "fake-1"
        assert set(s["probabilities"]) == set(HEADS)
        for head, labels in HEADS.items():
            assert set(s["probabilities"][head]) == set(labels)
            assert sum(s["probabilities"][head].values()) == pytest.approx(1.0, abs=1e-4)
        assert 0.0 <= s["uncertainty"] <= 1.0
        assert s["uncertainty"] == max(s["entropy"].values())


def test_a_text_plain_body_is_one_document(client):
    response = client.post("/v1/label", content=MESSY.encode(), headers={"Content-Type": "text/plain; charset=utf-8"})
    assert response.status_code == 200, response.text
    (document,) = response.json()["documents"]
    assert document["id"] == "0"
    assert [s["text"] for s in document["sentences"]] == EXPECTED


def test_documents_without_ids_are_numbered_and_keep_their_order(client):
    docs = [{"text": "First one. Second one."}, {"id": "named", "text": "Only one."}, {"text": "Third doc."}]
    out = client.post("/v1/label", json={"documents": docs}).json()["documents"]
    assert [d["id"] for d in out] == ["0", "named", "2"]
    assert [[s["text"] for s in d["sentences"]] for d in out] == [["First one.", "Second one."], ["Only one."],
                                                                  ["Third doc."]]
