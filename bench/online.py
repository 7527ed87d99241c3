"""Online benchmark: a bounded load generator against ``argmine serve`` on loopback.

    python -m argmine.bench.online --clients 1,8,32,128 --duration 20

For each mode (dynamic batching on, then off) it starts ``argmine serve`` in a
subprocess on 127.0.0.1 with a free port and a temporary data directory, waits for
``/readyz``, and then, for each client count, runs that many concurrent clients, each
POSTing one small document (``--sentences`` sentences) to ``/v1/label`` again and again
for ``--warmup`` + ``--duration`` seconds (and at most ``--max-requests`` requests). It
reports throughput (requests/s, sentences/s), p50 / p95 / p99 latency of the answered
requests, 429s (a client told 429 waits ``--backoff-ms`` before retrying), and the
latency of ``GET /healthz`` sampled by a separate client meanwhile. ``/metrics`` is read before and after each level to report how many requests
and sentences shared a forward pass.

Batching off: the service has no switch for it, so the benchmark sets
``ARGMINE_MAX_WAIT_MS=0`` and ``ARGMINE_BATCH_SENTENCES`` to the sentences of one
request. Every request of the benchmark has exactly that many sentences, so each
forward pass holds exactly one request (the requests-per-forward column shows it).

The load generator shares the machine's cores with the service; on a 2-core machine
its own CPU time lowers the service's numbers a little, the same way in both modes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argmine.bench.common import (DEFAULT_MODEL_DIR, argmine_command, check_idle, paragraphs, percentile, print_table,
                          write_result)

MODES = {
    "on": {},  # the service's own defaults
    "off": {"ARGMINE_MAX_WAIT_MS": "0"},  # + ARGMINE_BATCH_SENTENCES=<sentences per request>, set at run time
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m argmine.bench.online", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", default="1,8,32,128", help="concurrent client counts, one level each")
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds per level (default 20)")
    p.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each level's window")
    p.add_argument("--max-requests", type=int, default=20000, help="requests per level, at most")
    p.add_argument("--sentences", type=int, default=4, help="sentences in each request's document (default 4)")
    p.add_argument("--modes", default="on,off", help="batching modes to run: on, off, or both")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR, help="argmine model directory")
    p.add_argument("--queue-size", type=int, default=None,
                   help="ARGMINE_QUEUE_SIZE for both modes [default: the service's]; beyond it the service answers 429")
    p.add_argument("--backoff-ms", type=float, default=50.0,
                   help="a client answered 429 (or failing) waits this long before its next request, as a polite "
                        "client would, instead of hammering the service")
    p.add_argument("--healthz-interval", type=float, default=0.1, help="seconds between /healthz probes")
    p.add_argument("--timeout", type=float, default=60.0, help="per-request timeout, seconds")
    p.add_argument("--startup-timeout", type=float, default=300.0, help="seconds to wait for /readyz")
    p.add_argument("--name", default="online", help="results file prefix")
    return p.parse_args(argv)


# ---- request documents ----------------------------------------------------------------------------------------
def request_documents(n_sentences: int, limit: int = 64) -> list[str]:
    """Texts of exactly ``n_sentences`` sentences (as the service segments them), cut from corpus paragraphs."""
    from argmine.models.documents import split

    out = []
    for paragraph in paragraphs():
        sentences = split(paragraph)
        if len(sentences) < n_sentences:
            continue
        text = paragraph[sentences[0].start:sentences[n_sentences - 1].end]
        if len(split(text)) == n_sentences:
            out.append(text)
        if len(out) >= limit:
            break
    if not out:
        raise SystemExit(f"no corpus paragraph has {n_sentences} sentences; use a smaller --sentences")
    return out


# ---- the service ----------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Service:
    process: subprocess.Popen
    base_url: str
    log: Path

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_service(model: Path, data_dir: Path, env_overrides: dict[str, str], startup_timeout: float) -> Service:
    import httpx

    port = free_port()
    # The caller's ARGMINE_* variables would change what is measured: only ours go through.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGMINE_")}
    env.update(env_overrides)
    command = [*argmine_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir),
               "--model-dir", str(model), "--log-level", "warning"]
    log = data_dir / "service.log"
    print(f"starting: {' '.join(f'{k}={v}' for k, v in env_overrides.items())} {' '.join(command)}", flush=True)
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    service = Service(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"argmine serve exited with code {process.returncode}:\n{service.tail()}")
        try:
            if httpx.get(f"{service.base_url}/readyz", timeout=2).status_code == 200:
                return service
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    service.stop()
    raise SystemExit(f"argmine serve was not ready within {startup_timeout:.0f} s:\n{service.tail()}")


_METRIC = re.compile(r"^(argmine_batch_(?:requests|sentences)_(?:sum|count)) ([0-9.e+-]+)$", re.M)


def batch_metrics(base_url: str) -> dict[str, float]:
    import httpx

    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    return {name: float(value) for name, value in _METRIC.findall(text)}


# ---- the load generator ---------------------------------------------------------------------------------------
@dataclass
class Level:
    clients: int
    latencies: list[float] = field(default_factory=list)  # answered (200) requests started in the window
    statuses: Counter = field(default_factory=Counter)
    completed_in_window: int = 0
    healthz: list[float] = field(default_factory=list)
    issued: int = 0


async def run_level(base_url: str, documents: list[str], clients: int, args: argparse.Namespace) -> Level:
    import httpx

    level = Level(clients)
    start = time.perf_counter()
    window_start, stop_at = start + args.warmup, start + args.warmup + args.duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=args.timeout) as client, \
            httpx.AsyncClient(base_url=base_url, timeout=args.timeout) as probe:

        async def worker(k: int) -> None:
            i = k
            while time.perf_counter() < stop_at and level.issued < args.max_requests:
                level.issued += 1
                body = {"documents": [{"id": f"c{k}-{i}", "text": documents[i % len(documents)]}]}
                i += clients
                t0 = time.perf_counter()
                try:
                    response = await client.post("/v1/label", json=body)
                    status: int | str = response.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                t1 = time.perf_counter()
                if t0 >= window_start:
                    level.statuses[status] += 1
                    if status == 200:
                        level.latencies.append(t1 - t0)
                if status == 200 and window_start <= t1 <= stop_at:
                    level.completed_in_window += 1
                elif status != 200:
                    await asyncio.sleep(args.backoff_ms / 1000)

        async def sample_healthz() -> None:
            while True:
                t0 = time.perf_counter()
                try:
                    ok = (await probe.get("/healthz")).status_code == 200
                except httpx.HTTPError:
                    ok = False
                t1 = time.perf_counter()
                if t0 >= window_start and ok:
                    level.healthz.append(t1 - t0)
                await asyncio.sleep(args.healthz_interval)

        sampler = asyncio.create_task(sample_healthz())
        await asyncio.gather(*(worker(k) for k in range(clients)))
        sampler.cancel()
        try:
            await sampler
        except asyncio.CancelledError:
            pass
    return level


def summarise(level: Level, mode: str, sentences: int, duration: float, before: dict, after: dict) -> dict[str, Any]:
    ms = [x * 1000 for x in level.latencies]
    hz = [x * 1000 for x in level.healthz]
    forwards = after.get("argmine_batch_sentences_count", 0) - before.get("argmine_batch_sentences_count", 0)
    row = {
        "batching": mode, "clients": level.clients,
        "requests_per_s": level.completed_in_window / duration,
        "sentences_per_s": level.completed_in_window * sentences / duration,
        "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "p99_ms": percentile(ms, 99),
        "answered": len(ms), "rejected_429": level.statuses.get(429, 0),
        "errors": {str(k): v for k, v in level.statuses.items() if k not in (200, 429)},
        "healthz_p50_ms": percentile(hz, 50), "healthz_p99_ms": percentile(hz, 99),
        "healthz_max_ms": max(hz) if hz else float("nan"), "healthz_samples": len(hz),
        "forwards": int(forwards),
    }
    if forwards:
        row["sentences_per_forward"] = (after["argmine_batch_sentences_sum"] - before["argmine_batch_sentences_sum"]) \
            / forwards
        row["requests_per_forward"] = (after["argmine_batch_requests_sum"] - before["argmine_batch_requests_sum"]) \
            / forwards
    return row


def run_mode(mode: str, documents: list[str], client_counts: list[int], args: argparse.Namespace) -> list[dict]:
    env = dict(MODES[mode])
    if mode == "off":
        env["ARGMINE_BATCH_SENTENCES"] = str(args.sentences)
    if args.queue_size:
        env["ARGMINE_QUEUE_SIZE"] = str(args.queue_size)
    rows = []
    with tempfile.TemporaryDirectory(prefix="argmine-bench-serve-") as tmp:
        service = start_service(args.model, Path(tmp), env, args.startup_timeout)
        try:
            for clients in client_counts:
                print(f"batching {mode}: {clients} clients for {args.warmup:g}+{args.duration:g} s ...", flush=True)
                before = batch_metrics(service.base_url)
                level = asyncio.run(run_level(service.base_url, documents, clients, args))
                after = batch_metrics(service.base_url)
                rows.append(summarise(level, mode, args.sentences, args.duration, before, after))
                rows[-1]["service_env"] = env
                if service.process.poll() is not None:
                    raise SystemExit(f"argmine serve died during the run:\n{service.tail()}")
        finally:
            service.stop()
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    load_at_start = check_idle()
    if not (args.model / "config.json").exists():
        raise SystemExit(f"no argmine model at {args.model}: pass --model DIR (a directory written by `argmine train`)")
    client_counts = [int(c) for c in args.clients.split(",") if c.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if unknown := set(modes) - set(MODES):
        raise SystemExit(f"unknown --modes {sorted(unknown)}; use on, off")
    documents = request_documents(args.sentences)
    rows = [row for mode in modes for row in run_mode(mode, documents, client_counts, args)]
    result = {"settings": {k: str(v) for k, v in vars(args).items()}, "request_documents": len(documents),
              "load_average_at_start": load_at_start,
              "levels": rows}
    report(result, args)
    write_result(args.name, result)
    return result


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    print()
    print_table(
        ["batching", "clients", "req/s", "sent/s", "p50 ms", "p95 ms", "p99 ms", "429s", "errors",
         "sent/forward", "req/forward", "healthz p99 ms", "healthz max ms"],
        [[r["batching"], r["clients"], r["requests_per_s"], r["sentences_per_s"], r["p50_ms"], r["p95_ms"],
          r["p99_ms"], r["rejected_429"], sum(r["errors"].values()), r.get("sentences_per_forward", "-"),
          r.get("requests_per_forward", "-"), r["healthz_p99_ms"], r["healthz_max_ms"]] for r in result["levels"]],
        title=f"argmine serve on loopback: {args.sentences}-sentence documents, {args.duration:g} s measured per level")
    by = {(r["batching"], r["clients"]): r for r in result["levels"]}
    checks = []
    for clients in sorted({r["clients"] for r in result["levels"]}):
        on, off = by.get(("on", clients)), by.get(("off", clients))
        if on and off and off["requests_per_s"]:
            checks.append({"clients": clients, "throughput_on_over_off": on["requests_per_s"] / off["requests_per_s"],
                           "p99_ms_on": on["p99_ms"]})
    if checks:
        print()
        print_table(["clients", "throughput on/off", "p99 ms (on)"],
                    [[c["clients"], round(c["throughput_on_over_off"], 2), c["p99_ms_on"]] for c in checks],
                    title="batching on vs off (target at 32 clients: >= 3x, p99 < 1000 ms)")
        result["on_over_off"] = checks
    print()


if __name__ == "__main__":
    main()
