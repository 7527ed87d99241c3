"""`argmine label` starts fast and offline: no training libraries before the first forward, no network."""

import json
import subprocess
import sys

from argmine.models.paths import DEFAULT_MODEL_DIR

HEAVY = ("transformers", "sklearn", "scipy", "pandas", "torch._dynamo", "sympy", "accelerate", "datasets",
         "fastapi", "sqlalchemy", "ray")

FIRST_FORWARD = f"""
import sys
from argmine.cli import app  # what `argmine label` imports before running the command
import argmine.batch.job, argmine.batch.local, argmine.batch.model, argmine.batch.links, argmine.batch.readers
from argmine.batch.model import load_labeler
labeler = load_labeler(__import__("pathlib").Path({str(DEFAULT_MODEL_DIR)!r}))
labeler.predict(["E-government brings the state closer to citizens."])
print(sorted(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_label_reaches_its_first_forward_without_training_libraries():
    out = subprocess.run([sys.executable, "-c", FIRST_FORWARD], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


NO_NETWORK = """
import sys
events = []
def hook(event, args):
    if event.startswith(("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request")):
        events.append((event, repr(args)[:200]))
sys.addaudithook(hook)
from argmine.cli import app
sys.argv = ["argmine"] + sys.argv[1:]
try:
    app()
except SystemExit as exc:
    code = exc.code
print("NETWORK", events)
sys.exit(code)
"""


def test_label_never_touches_the_network(tmp_path):
    """With the shipped model's link model too: nothing is looked up."""
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "Online voting should be allowed. Turnout rose."}) + "\n")
    out = subprocess.run([sys.executable, "-c", NO_NETWORK, "label", str(source), "-o", str(tmp_path / "out.jsonl"),
                          "--no-progress"], capture_output=True, text=True, timeout=180,
                         env={k: v for k, v in __import__("os").environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))})
    assert out.returncode == 0, out.stderr
    assert "NETWORK []" in out.stdout, out.stdout
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2
