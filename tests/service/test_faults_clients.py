"""Clients that misbehave on the wire, against the service in its own process (uvicorn, a
fake model): slow senders, clients that vanish mid-body, and 64 documents of the maximum
size at once. Meanwhile /healthz must answer in under 100 ms, and the server's memory
must stay under a bound (docs/service.md, "Faults tested", states it and how it was
measured)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import httpx
import psutil

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MAX_CHARS = 100_000  # the default limits: the largest request the service accepts
MAX_DOCUMENTS = 64
# Peak RSS growth while serving the load below; docs/service.md explains the number.
RSS_BOUND_MB = 600
HEALTHZ_BOUND_S = 0.100  # p95; the measured p99 and max are in docs/service.md
# p99 catches repeated stalls (the GC walking every prediction paused 0.5-1.4 s at a time, often);
# the worst probe catches a multi-second one (segmentation took 16 s, event-loop work tens of seconds).
# A single probe of 1.03-1.19 s was seen in full-suite runs on an Intel Xeon (2 cores): scheduling.
HEALTHZ_P99_S = 0.3
HEALTHZ_WORST_S = 2.0

_SENTENCES = ("Citizens should vote online in every election. ", "Turnout rose by 12 percent in 2019. ",
              "Hackers could manipulate the count, critics say. ", "NGOs gain a stronger voice on the Internet. ")


def _document(chars: int) -> str:
    text, i = "", 0
    while len(text) < chars:
        text += _SENTENCES[i % len(_SENTENCES)]
        i += 1
    return text[:chars].rstrip() or "x"


@contextmanager
def _server(data_dir: Path) -> Iterator[tuple[str, psutil.Process]]:
    """The service with the default limits in a child process; its URL and its process."""
    child = subprocess.Popen([sys.executable, "-m", "tests.service.serve_fake", str(data_dir)],
                             stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        yield f"http://127.0.0.1:{port}", psutil.Process(child.pid)
    finally:
        child.terminate()
        child.wait(30)


def _raw(port: int, head: bytes, body_parts: list[bytes], pause: float, close_early: bool) -> None:
    """One client on a raw socket: a head, then the body in slow pieces, maybe never finished."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        for part in body_parts:
            sock.sendall(part)
            time.sleep(pause)
        if close_early:
            return  # gone mid-body
        try:
            sock.recv(65536)
        except OSError:
            pass


def test_slow_vanishing_and_maximal_clients_leave_healthz_fast_and_memory_bounded(tmp_path):
    big = json.dumps({"documents": [{"id": str(i), "text": _document(MAX_CHARS)} for i in range(MAX_DOCUMENTS)]})
    body = json.dumps({"documents": [{"text": _document(2000)}]}).encode()
    with _server(tmp_path) as (url, process):
        port = int(url.rsplit(":", 1)[1])
        with httpx.Client(base_url=url, timeout=60) as warm:
            assert warm.get("/healthz").status_code == 200
        baseline = process.memory_info().rss
        head = (f"POST /v1/label HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        pieces = [body[i:i + 200] for i in range(0, len(body), 200)]
        clients = [threading.Thread(target=_raw, args=(port, head, pieces, 0.3, False)) for _ in range(8)]  # slow
        clients += [threading.Thread(target=_raw, args=(port, head, pieces[:len(pieces) // 2], 0.05, True))
                    for _ in range(8)]  # vanish mid-body
        answers: list[int] = []

        def maximal() -> None:
            with httpx.Client(base_url=url, timeout=120) as client:
                answers.append(client.post("/v1/label", content=big,
                                           headers={"Content-Type": "application/json"}).status_code)

        clients += [threading.Thread(target=maximal) for _ in range(2)]
        peak, latencies = baseline, []
        for thread in clients:
            thread.start()
        with httpx.Client(base_url=url, timeout=10) as probe:
            while any(t.is_alive() for t in clients):
                started = time.perf_counter()
                assert probe.get("/healthz").status_code == 200
                latencies.append(time.perf_counter() - started)
                peak = max(peak, process.memory_info().rss)
                time.sleep(0.02)
        for thread in clients:
            thread.join()
    growth_mb = (peak - baseline) / 2**20
    latencies.sort()
    p95, p99 = latencies[int(len(latencies) * 0.95)], latencies[int(len(latencies) * 0.99)]
    print(f"healthz: {len(latencies)} probes, median {latencies[len(latencies) // 2] * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms, over 100 ms: "
          f"{sum(t > HEALTHZ_BOUND_S for t in latencies)}; server RSS +{growth_mb:.0f} MiB "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    assert answers == [200, 200]
    assert p95 < HEALTHZ_BOUND_S, f"/healthz p95 {p95 * 1000:.0f} ms"
    assert p99 < HEALTHZ_P99_S, f"/healthz p99 {p99 * 1000:.0f} ms"
    # The slowest probe: CPU scheduling on a shared two-core machine, not the service (see docs/service.md).
    assert latencies[-1] < HEALTHZ_WORST_S, f"/healthz took {latencies[-1] * 1000:.0f} ms"
    assert growth_mb < RSS_BOUND_MB
