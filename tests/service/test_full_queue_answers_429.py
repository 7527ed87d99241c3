"""Bounded admission: with the queue full, /v1/label answers 429 at once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tests.fakes import FakeLabeler
from tests.service.support import running


def test_requests_beyond_the_queue_get_429_at_once_and_the_rest_are_served(tmp_path):
    fake = FakeLabeler(delay=0.4)  # a slow model: the first forward holds the worker
    with running(tmp_path, labeler=fake, queue_size=1, max_wait_ms=0) as client:

        def post(i: int):
            time.sleep(0.05 * i)  # arrive one after another, while the first forward runs
            started = time.perf_counter()
            response = client.post("/v1/label", json={"documents": [{"text": f"Sentence {i}."}]})
            return response, time.perf_counter() - started

        with ThreadPoolExecutor(5) as pool:
            results = list(pool.map(post, range(5)))
        metrics = client.get("/metrics").text

    codes = [r.status_code for r, _ in results]
    assert codes.count(200) >= 2 and codes.count(429) >= 1, codes
    for response, seconds in results:
        if response.status_code == 429:
            assert response.json()["error"] == "overloaded"
            assert "queue_size=1" in response.json()["detail"]
            assert response.headers["Retry-After"] == "1"
            assert seconds < 0.3  # refused without waiting for the model
    rejected = next(line for line in metrics.splitlines() if line.startswith("argmine_rejected_requests_total"))
    assert float(rejected.split()[-1]) == codes.count(429)
