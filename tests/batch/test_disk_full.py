"""The disk fills up during `argmine label`: the run stops with a clear error, and
``--resume`` completes it with every document exactly once.

The full disk is a writer that fails with ENOSPC partway through a chunk, after
writing part of it, as a real full disk does.
"""

from __future__ import annotations

import builtins
import errno
from collections import Counter

import pyarrow.parquet as pq
import pytest

from argmine.batch import commitlog
from argmine.batch.writers import read_records
from tests.batch.conftest import corpus, write_jsonl
from tests.batch.test_cli import label, loads, model_dir  # noqa: F401 - fixtures

N = 40


class _FullDisk:
    """A file whose writes fail with ENOSPC once ``room`` bytes were written, after writing what fit."""

    def __init__(self, stream, room: list[int]):
        self._stream = stream
        self._room = room

    def write(self, data: bytes) -> int:
        if len(data) > self._room[0]:
            self._stream.write(data[:self._room[0]])
            self._room[0] = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room[0] -= len(data)
        return self._stream.write(data)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _fill_disk_after(monkeypatch, fmt: str, room: int) -> None:
    if fmt == "parquet":
        real, calls = pq.write_table, []

        def write_table(table, where, *args, **kwargs):
            calls.append(where)
            if len(calls) > 3:  # the fourth part: a torn temporary file, then ENOSPC
                with open(where, "wb") as partial:
                    partial.write(b"PAR1 torn")
                raise OSError(errno.ENOSPC, "No space left on device", str(where))
            return real(table, where, *args, **kwargs)

        monkeypatch.setattr(pq, "write_table", write_table)
        return
    budget = [room]
    monkeypatch.setattr(commitlog, "open", lambda *a, **k: _FullDisk(builtins.open(*a, **k), budget), raising=False)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_a_full_disk_stops_the_run_and_resume_completes_it_exactly_once(tmp_path, model_dir, monkeypatch, fmt):
    source = write_jsonl(tmp_path / "in.jsonl", corpus(N))
    out = tmp_path / f"out.{fmt}"
    _fill_disk_after(monkeypatch, fmt, room={"jsonl": 20_000, "csv": 4_000}.get(fmt, 0))  # about a third of the output

    failed = label(str(source), "-o", str(out), "--model", str(model_dir), "--chunk-size", "4")
    assert failed.exit_code != 0
    assert "No space left on device" in failed.output and "--resume" in failed.output, failed.output
    assert "Traceback" not in failed.output
    partial = Counter(r["doc_id"] for r in read_records(out) if r["sent_id"] == 0)
    assert 0 < len(partial) < N and set(partial.values()) == {1}  # only whole, committed chunks

    monkeypatch.undo()  # space freed
    monkeypatch.setattr("argmine.batch.model.load_labeler", lambda *a, **k: __import__(
        "tests.fakes", fromlist=["FakeLabeler"]).FakeLabeler())
    resumed = label(str(source), "-o", str(out), "--model", str(model_dir), "--chunk-size", "4", "--resume")
    assert resumed.exit_code == 0, resumed.output
    records = list(read_records(out))
    first = Counter(r["doc_id"] for r in records if r["sent_id"] == 0)
    assert first == Counter({f"doc-{i:03d}": 1 for i in range(N)})  # nothing missing, nothing twice
    sentences = Counter((r["doc_id"], r["sent_id"]) for r in records)
    assert set(sentences.values()) == {1}
