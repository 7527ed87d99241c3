"""Start-up: `argmine label` to its first forward pass, `argmine serve` to a ready answer.

    python -m argmine.bench.startup --repeats 3

- label: ``argmine label`` on a one-document JSONL in a subprocess whose network
  reports, on its first forward, the wall and CPU seconds since the interpreter
  started (imports, model load, reading, segmenting, tokenizing included);
- serve: ``argmine serve`` on a free port with a temporary data directory, timed from
  the start of the subprocess to the first 200 from ``/readyz``, with the server's
  CPU seconds at that moment.

CPU seconds are reported beside the wall clock: on a machine shared with other work
the wall clock grows with the load, CPU seconds much less.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from argmine.bench.common import argmine_command, check_idle, print_table, write_result

_FIRST_FORWARD = """
import resource, sys, time
start = time.perf_counter()
from argmine.models import network
forward = network.SentenceClassifier.forward
def timed(self, *args, **kwargs):
    if not getattr(timed, "done", False):
        timed.done = True
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print("FIRST_FORWARD", time.perf_counter() - start, usage.ru_utime + usage.ru_stime, file=sys.stderr, flush=True)
    return forward(self, *args, **kwargs)
network.SentenceClassifier.forward = timed
from argmine.cli import app
sys.argv = ["argmine"] + sys.argv[1:]
app()
"""


def label_start(tmp: Path) -> dict[str, float]:
    source = tmp / "one.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "Online voting should be allowed. Turnout rose."}) + "\n")
    done = subprocess.run([sys.executable, "-c", _FIRST_FORWARD, "label", str(source), "-o", str(tmp / "out.jsonl"),
                           "--force", "--no-progress"], capture_output=True, text=True)
    line = next((x for x in done.stderr.splitlines() if x.startswith("FIRST_FORWARD")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"argmine label failed: {done.stderr[-2000:]}")
    _, wall, cpu = line.split()
    return {"wall_seconds": float(wall), "cpu_seconds": float(cpu)}


def serve_start(tmp: Path) -> dict[str, float]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    server = subprocess.Popen([*argmine_command(), "serve", "--port", str(port), "--data-dir", str(tmp / "data"),
                               "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.02)
            if server.poll() is not None:
                raise SystemExit("argmine serve exited before it was ready")
        wall = time.perf_counter() - start
        fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        server.terminate()
        server.wait()
    return {"wall_seconds": wall, "cpu_seconds": cpu}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(prog="python -m argmine.bench.startup", description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3, help="runs of each; the best counts (default 3)")
    args = p.parse_args(argv)
    load = check_idle()
    runs: dict[str, list[dict[str, float]]] = {"label to first forward": [], "serve to ready": []}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="argmine-startup-") as tmp:
            runs["label to first forward"].append(label_start(Path(tmp)))
            runs["serve to ready"].append(serve_start(Path(tmp)))
    rows = [[name, min(r["wall_seconds"] for r in rs), min(r["cpu_seconds"] for r in rs)] for name, rs in runs.items()]
    print_table(["start-up", "wall s (best)", "CPU s (best)"], rows, title=f"best of {args.repeats}")
    result = {"runs": runs, "load_average_at_start": load, "load_average_at_end": os.getloadavg()[0]}
    write_result("startup", result)
    return result


if __name__ == "__main__":
    main()
