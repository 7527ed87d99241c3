"""The threads around the model keep order, hand errors over in place, and finish what was submitted."""

import threading
import time

import pytest

from argmine.batch.pipeline import Behind, ahead


def test_ahead_yields_in_order_from_another_thread():
    threads = set()

    def produce():
        for i in range(50):
            threads.add(threading.current_thread().name)
            yield i

    assert list(ahead(produce(), depth=2)) == list(range(50))
    assert threads == {"argmine-ahead"}


def test_ahead_raises_the_producers_error_after_the_items_before_it():
    def produce():
        yield 1
        yield 2
        raise ValueError("bad record")

    seen = []
    with pytest.raises(ValueError, match="bad record"):
        for item in ahead(produce()):
            seen.append(item)
    assert seen == [1, 2]


def test_ahead_stops_its_producer_when_the_consumer_stops():
    produced = []

    def produce():
        for i in range(1000):
            produced.append(i)
            yield i

    items = ahead(produce(), depth=1)
    assert next(items) == 0
    items.close()
    assert len(produced) <= 3  # the one taken, the one queued, the one in hand


def test_behind_runs_jobs_in_order_on_one_thread():
    done, threads = [], set()

    def job(i):
        def run():
            time.sleep(0.001 * (i % 3))
            threads.add(threading.current_thread().name)
            done.append(i)
        return run

    with Behind(depth=2) as behind:
        for i in range(30):
            behind.submit(job(i))
    assert done == list(range(30))
    assert threads == {"argmine-behind"}


def test_behind_hands_a_failed_job_to_the_caller_and_runs_no_later_job():
    done = []

    def fail():
        raise OSError("disk full")

    behind = Behind(depth=1)
    behind.submit(fail)
    with pytest.raises(OSError, match="disk full"):
        for i in range(100):
            behind.submit(lambda i=i: done.append(i))
        behind.close()
    behind.close()  # raised once
    assert len(done) == 0


def test_behind_finishes_submitted_jobs_when_the_caller_fails():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with Behind(depth=2) as behind:
            for i in range(3):
                behind.submit(lambda i=i: (time.sleep(0.02), done.append(i)))
            raise KeyboardInterrupt
    assert done == [0, 1, 2]


def test_ahead_does_not_wait_long_for_a_producer_blocked_on_its_input():
    blocked = threading.Event()

    def produce():
        yield 1
        blocked.wait(30)  # a stalled stdin
        yield 2

    items = ahead(produce(), depth=1)
    assert next(items) == 1
    start = time.monotonic()
    items.close()
    assert time.monotonic() - start < 5
    blocked.set()


def test_links_read_the_vectors_of_the_pipelined_forward_pass(tmp_path, monkeypatch):
    """With the shipped model and its link model, no sentence is encoded a second time for links."""
    import json

    from argmine.batch.job import LabelJob
    from argmine.batch.links import linker_for
    from argmine.batch.local import label_local
    from argmine.batch.model import load_labeler
    from argmine.models import inference
    from argmine.models.paths import DEFAULT_MODEL_DIR

    second = []
    original = inference.Engine.predict_with_vectors
    monkeypatch.setattr(inference.Engine, "predict_with_vectors",
                        lambda self, items: second.append(len(items)) or original(self, items))
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": text}) + "\n" for i, text in enumerate([
        "Online petitions should reach parliament. They gathered 3 million signatures. So they matter.",
        "E-voting must be secure. Hackers attacked the 2019 pilot. Therefore it should be paused.",
        "Digital services save time. The portal cut queues by half."])))
    labeler = load_labeler(DEFAULT_MODEL_DIR)
    label_local(LabelJob((str(source),), tmp_path / "out.jsonl", chunk_size=1, progress=False), labeler,
                linker=linker_for(DEFAULT_MODEL_DIR, labeler, "document"))
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(records) == 8 and all("target" in r for r in records)
    assert second == []
