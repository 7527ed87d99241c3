"""Concurrent /v1/label requests are coalesced: fewer forward passes than requests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.fakes import FakeLabeler
from tests.service.support import running


def _text(i: int) -> str:
    return f"Request {i} says citizens should vote. It cites {i} reasons. Critics disagree."


def test_concurrent_requests_are_answered_from_fewer_forward_passes(tmp_path):
    # Each forward takes 50 ms, so requests arriving meanwhile queue up and share the next one.
    fake = FakeLabeler(delay=0.05)
    n = 16
    with running(tmp_path, labeler=fake, max_wait_ms=5) as client:
        with ThreadPoolExecutor(n) as pool:
            responses = list(pool.map(lambda i: client.post("/v1/label", json={"documents": [
                {"id": f"doc-{i}", "text": _text(i)}]}), range(n)))
        metrics = client.get("/metrics").text

    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    for i, response in enumerate(responses):
        (document,) = response.json()["documents"]
        assert document["id"] == f"doc-{i}"  # every answer went back to its own request
        assert [s["text"] for s in document["sentences"]] == [f"Request {i} says citizens should vote.",
                                                              f"It cites {i} reasons.", "Critics disagree."]
    assert sum(fake.calls) == 3 * n  # every sentence labelled exactly once
    assert len(fake.calls) < n / 2, f"{len(fake.calls)} forward passes for {n} requests: {fake.calls}"
    assert max(fake.calls) > 3  # some forward held sentences of several requests
    assert "argmine_batch_sentences_count" in metrics


def test_a_batch_holds_at_most_batch_sentences(tmp_path):
    fake = FakeLabeler()
    text = " ".join(f"Sentence number {i} is here." for i in range(10))
    with running(tmp_path, labeler=fake, batch_sentences=4) as client:
        response = client.post("/v1/label", json={"documents": [{"text": text}]})
    assert response.status_code == 200
    sentences = response.json()["documents"][0]["sentences"]
    assert [s["text"] for s in sentences] == [f"Sentence number {i} is here." for i in range(10)]
    assert fake.calls == [4, 4, 2]
