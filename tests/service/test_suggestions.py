"""GET /v1/suggestions: the least certain recently labelled sentences, minus those annotated."""

from __future__ import annotations

from argmine.models.context import text_of
from argmine.models.labeler import labels_from_proba
from argmine.models.scheme import HEADS
from argmine.service.suggestions import SuggestionPool
from tests.fakes import FakeLabeler
from tests.service.support import AUTH, running


class GradedFake(FakeLabeler):
    """Certainty grows with the digit in the sentence: '0' is a coin toss, '9' nearly sure."""

    def predict_proba(self, texts):
        probs = super().predict_proba(texts)
        for i, text in enumerate(map(text_of, texts)):  # the sentence itself, read in context
            level = int(next((c for c in text if c.isdigit()), "5")) / 10
            for head, labels in HEADS.items():
                flat = [(1 - level) / len(labels)] * len(labels)
                flat[0] += level
                probs[head][i] = flat
        return probs

    def predict(self, texts):
        return labels_from_proba(self.predict_proba(texts))


def test_suggestions_are_the_least_certain_sentences_not_yet_annotated(tmp_path, database_url):
    with running(tmp_path, labeler=GradedFake(), database_url=database_url) as client:
        assert client.get("/v1/suggestions").json() == {"items": []}
        text = "Level 7 here. Level 0 here. Level 9 here. Level 3 here."
        client.post("/v1/label", json={"documents": [{"id": "doc", "text": text}]})
        client.post("/v1/label", json={"documents": [{"id": "other", "text": "Level 1 there."}]})

        items = client.get("/v1/suggestions", params={"n": 3}).json()["items"]
        assert [i["text"] for i in items] == ["Level 0 here.", "Level 1 there.", "Level 3 here."]
        first = items[0]
        assert (first["doc_id"], first["sent_id"], first["start"], first["end"]) == ("doc", 1, 14, 27)
        assert first["uncertainty"] > items[1]["uncertainty"] > items[2]["uncertainty"]
        assert first["model_version"] == "fake-1"

        # Annotating a sentence (with whatever labels, line breaks aside) removes it from the suggestions.
        client.post("/v1/annotations", headers=AUTH, json={"annotations": [
            {"text": "Level 0\nhere.", "role": "none", "stance": "none", "risk": False}]})
        items = client.get("/v1/suggestions", params={"n": 3}).json()["items"]
        assert [i["text"] for i in items] == ["Level 1 there.", "Level 3 here.", "Level 7 here."]


def test_the_pool_keeps_only_the_newest_sentences():
    pool = SuggestionPool(capacity=2)
    record = {"doc_id": "d", "sent_id": 0, "start": 0, "end": 1, "role": "none", "stance": "none", "risk": False,
              "probabilities": {}, "model_version": "v"}
    pool.add([{**record, "text": "a", "uncertainty": 0.9}, {**record, "text": "b", "uncertainty": 0.1}])
    pool.add([{**record, "text": "c", "uncertainty": 0.5}])
    assert [r["text"] for r in pool.top(5)] == ["c", "b"]
    pool.add([{**record, "text": "b", "uncertainty": 0.2}])  # seen again: refreshed, not duplicated
    assert [(r["text"], r["uncertainty"]) for r in pool.top(5)] == [("c", 0.5), ("b", 0.2)]
