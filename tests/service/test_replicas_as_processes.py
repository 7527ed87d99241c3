"""Real `argmine serve` processes on one database: nothing acknowledged is lost when one is killed
with SIGKILL, and two replicas act as one service. On SQLite and PostgreSQL.

The processes serve a light fake model (tests/service/serve_light.py) so each starts in about a
second; writers post unique sentences from threads and remember every 201 they received.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.support import AUTH, TOKEN, write_corpus, write_fake_model

ROOT = Path(__file__).resolve().parents[2]
# Slow: each test starts two to three server processes (~1-3 s each) and writes for seconds.
pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and process groups are POSIX"),
              pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One `argmine serve` process in its own process group (so a kill takes its training child too)."""

    def __init__(self, tmp_path: Path, name: str, database_url: str, **env: str):
        self.name = name
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.log = tmp_path / f"{name}.log"
        self.args = [sys.executable, "-m", "tests.service.serve_light", "serve", "--port", self.url.rsplit(":", 1)[1],
                     "--data-dir", str(tmp_path / "data"), "--model-dir", str(tmp_path / "shipped"),
                     "--log-level", "warning"]
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "ARGMINE_DATABASE_URL": database_url,
                    "ARGMINE_API_TOKEN": TOKEN, "ARGMINE_MODEL_POLL_SECONDS": "0.2", **env}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Server:
        return self.launch().ready(timeout)

    def launch(self) -> Server:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        return self

    def ready(self, timeout: float = 60) -> Server:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"{self.name} exited at start:\n{self.log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{self.name} not ready in {timeout} s:\n{self.log.read_text()[-3000:]}"
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the server and everything it started: no shutdown code runs."""
        assert self.process is not None and self.process.poll() is None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def texts(self) -> set[str]:
        export = httpx.get(f"{self.url}/v1/annotations/export?format=jsonl", timeout=30)
        assert export.status_code == 200
        return {json.loads(line)["text"] for line in export.text.splitlines() if line.strip()}


class Writers:
    """Threads posting one new sentence at a time, round-robin over the servers, until stopped."""

    def __init__(self, servers: list[Server], threads: int = 3):
        self.servers = servers
        self.acked: list[tuple[float, str, str]] = []  # (when, server, text) of every 201
        self.errors = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, writer: int) -> None:
        with httpx.Client(timeout=10, headers=AUTH) as client:
            n = 0
            while not self._stop.is_set():
                n += 1
                server = self.servers[(writer + n) % len(self.servers)]
                text = f"Writer {writer} says, for the {n}th time, that citizens should vote online."
                body = {"annotations": [{"text": text, "role": "claim", "stance": "populist", "risk": False}]}
                try:
                    response = client.post(f"{server.url}/v1/annotations", json=body)
                except httpx.TransportError:  # the server is down: not acknowledged, try the next
                    with self._lock:
                        self.errors += 1
                    time.sleep(0.02)
                    continue
                if response.status_code == 201:
                    with self._lock:
                        self.acked.append((time.monotonic(), server.name, text))

    def count(self, server: str | None = None, since: float = 0.0) -> int:
        with self._lock:
            return sum(1 for when, name, _ in self.acked if when >= since and server in (None, name))

    def wait_for(self, n: int, server: str | None = None, since: float = 0.0, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.count(server, since) < n:
            assert time.monotonic() < deadline, f"only {self.count(server, since)} of {n} writes acknowledged"
            time.sleep(0.02)

    def texts(self) -> set[str]:
        with self._lock:
            return {text for _, _, text in self.acked}


@pytest.fixture
def servers(tmp_path) -> Iterator[list[Server]]:
    made: list[Server] = []
    write_fake_model(tmp_path / "shipped", "fake-1")
    yield made
    for server in made:
        server.stop()


def test_acknowledged_writes_survive_a_sigkill_and_restart(tmp_path, database_url, servers):
    server = Server(tmp_path, "one", database_url)
    servers.append(server.start())
    with Writers([server]) as writers:
        writers.wait_for(25)
        server.kill()
        before_restart = writers.count()
        time.sleep(0.3)  # writers meet a closed port meanwhile
        server.start()
        writers.wait_for(before_restart + 25)
    assert writers.errors > 0  # the kill did interrupt writers
    missing = writers.texts() - server.texts()
    assert not missing, f"{len(missing)} acknowledged annotations lost, e.g. {sorted(missing)[:3]}"


def test_two_replicas_act_as_one_and_lose_nothing_when_one_is_killed(tmp_path, database_url, servers):
    write_fake_model(tmp_path / "data" / "models" / "v2", "v2")
    one, two = Server(tmp_path, "one", database_url), Server(tmp_path, "two", database_url)
    servers += [one.launch(), two.launch()]  # together, on an empty database: one migrates, the other waits
    one.ready(), two.ready()
    with Writers([one, two], threads=4) as writers:
        writers.wait_for(25)
        one.kill()
        killed_at = time.monotonic()
        writers.wait_for(20, server="two", since=killed_at)  # the other replica keeps taking writes
        one.start()
        writers.wait_for(15, server="one", since=time.monotonic())
    everything = writers.texts()
    assert not everything - one.texts() and not everything - two.texts()

    # A model activated through one replica is served by the other within a few polls.
    assert httpx.post(f"{one.url}/v1/models/v2/activate", headers=AUTH).json()["active"] == "v2"
    deadline = time.monotonic() + 5
    while True:
        answer = httpx.post(f"{two.url}/v1/label", json={"documents": [{"text": "Who serves?"}]}).json()
        if answer["documents"][0]["sentences"][0]["model_version"] == "v2":
            break
        assert time.monotonic() < deadline, "the other replica did not switch within 5 s"
        time.sleep(0.1)


# PostgreSQL only (the team set-up): ~30 s, two training processes import torch; the lease itself
# is tested on both backends in test_replicas_share_one_database.py.
@pytest.mark.parametrize("databases", ["postgresql"], indirect=True)
def test_a_killed_replicas_training_slot_frees_when_its_lease_expires(tmp_path, database_url, servers):
    corpus = str(write_corpus(tmp_path / "corpus"))
    env = {"ARGMINE_TRAINING_LEASE_SECONDS": "2", "ARGMINE_ANNOTATIONS_DIR": corpus}
    one, two = Server(tmp_path, "one", database_url, **env), Server(tmp_path, "two", database_url, **env)
    servers += [one.start(), two.start()]
    config = {"config": {"max_steps": 50, "epochs": 1, "batch_size": 8, "device": "cpu"}}
    job = httpx.post(f"{one.url}/v1/train", json=config, headers=AUTH, timeout=30).json()
    refused = httpx.post(f"{two.url}/v1/train", json=config, headers=AUTH, timeout=30)
    assert refused.status_code == 409 and job["id"] in refused.json()["detail"]

    one.kill()  # the replica and its training process die without a word
    deadline = time.monotonic() + 20
    while (started := httpx.post(f"{two.url}/v1/train", json=config, headers=AUTH, timeout=30)).status_code == 409:
        assert time.monotonic() < deadline, "the dead replica's training slot never freed"
        time.sleep(0.5)
    assert started.status_code == 202, started.text
    dead = httpx.get(f"{two.url}/v1/jobs/{job['id']}").json()
    assert dead["status"] == "failed" and "stopped" in dead["error"]
    cancelled = httpx.post(f"{two.url}/v1/jobs/{started.json()['id']}/cancel", headers=AUTH, timeout=30)
    assert cancelled.json()["status"] == "cancelled"
