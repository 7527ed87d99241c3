"""A run killed with SIGKILL, the one signal nothing can catch, then resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from argmine.batch.commitlog import progress_path
from argmine.batch.job import LabelJob
from argmine.batch.local import label_local
from argmine.batch.writers import read_records
from tests.batch.conftest import corpus, write_jsonl
from tests.fakes import FakeLabeler

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from pathlib import Path
from argmine.batch.job import LabelJob
from argmine.batch.local import label_local
from tests.fakes import FakeLabeler
label_local(LabelJob((sys.argv[1],), Path(sys.argv[2]), chunk_size=2, progress=False), FakeLabeler(delay=0.1))
"""


# JSONL only: it is the format whose commit log a kill can leave mid-chunk; Parquet parts
# are renamed into place whole (test_writers covers a leftover part), and each child
# process costs seconds of torch imports.
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_run_resumed_yields_every_document_exactly_once(tmp_path):
    n = 60  # 30 chunks of 0.1 s: the kill lands well before the end
    source = write_jsonl(tmp_path / "in.jsonl", corpus(n))
    out = tmp_path / "out.jsonl"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(source), str(out)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and len({r["doc_id"] for r in read_records(out)}) >= 6):
            assert child.poll() is None, "the child ended before it could be killed"
            assert time.monotonic() < deadline, "the child wrote nothing within 60 s"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    done = Counter(r["doc_id"] for r in read_records(out) if r["sent_id"] == 0)
    assert 6 <= len(done) < n and set(done.values()) == {1}
    assert progress_path(out).exists()  # the killed run could not mark a clean end

    stats = label_local(LabelJob((str(source),), out, chunk_size=2, resume=True, progress=False), FakeLabeler())
    assert stats.resumed == len(done) and stats.documents == n - len(done)
    final = Counter(r["doc_id"] for r in read_records(out) if r["sent_id"] == 0)
    assert final == Counter({doc_id: 1 for doc_id, _ in corpus(n)})
    assert not progress_path(out).exists()
