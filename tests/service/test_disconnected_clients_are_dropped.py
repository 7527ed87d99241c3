"""Through a real uvicorn on 127.0.0.1: a client that hangs up has its sentences dropped from the queue."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import uvicorn

from argmine.models.context import text_of
from argmine.service.app import create_app
from tests.fakes import FakeLabeler
from tests.service.support import settings_for


class RecordingFake(FakeLabeler):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.texts: list[list[str]] = []

    def predict_proba(self, texts):
        self.texts.append([text_of(t) for t in texts])  # the sentences themselves, read in context
        return super().predict_proba(texts)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


def test_a_request_whose_client_hangs_up_never_reaches_the_model(tmp_path):
    fake = RecordingFake(delay=0.5)
    app = create_app(settings_for(tmp_path, max_wait_ms=0), labeler_factory=lambda _path: fake)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _wait_for(lambda: server.started)
        fake.texts.clear()
        url = f"http://127.0.0.1:{port}/v1/label"
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(httpx.post, url, json={"documents": [{"text": "Holds the model."}]}, timeout=10)
            _wait_for(lambda: len(fake.texts) == 1)  # its 0.5 s forward is running

            body = json.dumps({"documents": [{"text": "Nobody waits for this."}]}).encode()
            with socket.create_connection(("127.0.0.1", port)) as raw:
                raw.sendall(b"POST /v1/label HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                time.sleep(0.1)  # queued behind the first request; then the client hangs up

            last = httpx.post(url, json={"documents": [{"text": "Still wanted."}]}, timeout=10)
            assert first.result().status_code == 200
        assert last.status_code == 200
        assert fake.texts == [["Holds the model."], ["Still wanted."]]
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert 'argmine_http_requests_total{method="POST",route="/v1/label",status="499"} 1.0' in metrics
    finally:
        server.should_exit = True
        thread.join(10)
