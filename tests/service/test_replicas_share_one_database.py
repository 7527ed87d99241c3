"""Replicas on one database and one data dir act as one service (in-process apps; the subprocess
tests in test_replicas_as_processes.py run real `argmine serve` processes). On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from argmine.service import migrate
from argmine.service.db import JobRow, LeaseRow, make_engine, utcnow
from argmine.service.leases import Acquired, Leases
from tests.service.fake_models import fake_or_real
from tests.service.support import AUTH, running, token_for, write_corpus, write_fake_model

TINY = {"max_steps": 2, "epochs": 1, "batch_size": 8, "device": "cpu"}
ONE = {"text": "Citizens should vote online.", "role": "claim", "stance": "populist", "risk": False}


def _served(client) -> str:
    response = client.post("/v1/label", json={"documents": [{"text": "Which model answers?"}]})
    return response.json()["documents"][0]["sentences"][0]["model_version"]


def _until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def test_writes_tokens_and_model_switches_reach_every_replica(tmp_path, database_url):
    write_fake_model(tmp_path / "data" / "models" / "v2", "v2")
    settings = dict(database_url=database_url, model_poll_seconds=0.1, factory=fake_or_real)
    with running(tmp_path, **settings) as one, running(tmp_path, **settings) as two:
        ana = token_for(one, "ana")  # made through one replica, accepted by the other
        assert two.post("/v1/annotations", json={"annotations": [ONE]}, headers=ana).status_code == 201
        assert one.get("/v1/annotations").json()["items"][0]["annotator"] == "ana"

        assert one.post("/v1/models/v2/activate", headers=AUTH).status_code == 200
        _until(lambda: _served(two) == "v2", timeout=5)  # within a few polls
        assert two.get("/v1/models").json()["active"] == "v2"
        assert two.post("/v1/models/fake-1/activate", headers=AUTH).status_code == 200
        _until(lambda: _served(one) == "fake-1", timeout=5)


def test_one_training_job_across_replicas_and_a_cancel_reaches_the_one_running_it(tmp_path, database_url):
    corpus = write_corpus(tmp_path / "corpus")
    settings = dict(database_url=database_url, annotations_dir=corpus, training_lease_seconds=3)
    with running(tmp_path, **settings) as one, running(tmp_path, **settings) as two:
        job = one.post("/v1/train", json={"config": TINY}, headers=AUTH).json()
        refused = two.post("/v1/train", json={"config": TINY}, headers=AUTH)
        assert refused.status_code == 409 and job["id"] in refused.json()["detail"]
        assert two.get(f"/v1/jobs/{job['id']}").json()["status"] == "running"

        cancelled = two.post(f"/v1/jobs/{job['id']}/cancel", headers=AUTH)  # the other replica runs it
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["error"].startswith("cancelled by admin")  # who stopped it, on record
        assert one.get(f"/v1/jobs/{job['id']}").json()["status"] == "cancelled"
        again = two.post("/v1/train", json={"config": TINY}, headers=AUTH)  # the slot is free
        assert again.status_code == 202, again.text
        assert again.json()["created_by"] == "admin"
        two.post(f"/v1/jobs/{again.json()['id']}/cancel", headers=AUTH)


def test_a_dead_replicas_job_is_failed_once_its_lease_expires(tmp_path, database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    from sqlalchemy.orm import Session

    with Session(engine) as session, session.begin():  # what a replica killed mid-training leaves behind
        session.add(JobRow(id="deadjob", status="running", force=False, config={}, annotations=0,
                           progress=0.0, activated=False, replica="gone"))
        session.add(LeaseRow(name="training", holder="gone", job_id="deadjob",
                             expires_at=utcnow() + timedelta(seconds=1.5)))
    engine.dispose()
    corpus = write_corpus(tmp_path / "corpus")
    with running(tmp_path, database_url=database_url, annotations_dir=corpus) as client:
        assert client.get("/v1/jobs/deadjob").json()["status"] == "running"  # its lease still runs
        refused = client.post("/v1/train", json={"config": TINY}, headers=AUTH)
        assert refused.status_code == 409 and "deadjob" in refused.json()["detail"]
        time.sleep(1.6)
        started = client.post("/v1/train", json={"config": TINY}, headers=AUTH)
        assert started.status_code == 202, started.text
        dead = client.get("/v1/jobs/deadjob").json()
        assert dead["status"] == "failed" and "stopped" in dead["error"]
        client.post(f"/v1/jobs/{started.json()['id']}/cancel", headers=AUTH)


def test_a_lease_has_one_holder_until_it_expires_even_when_many_take_it_over_at_once(database_url):
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        first, second = Leases(engine, "a"), Leases(engine, "b")
        assert isinstance(first.acquire("slot", 0.5, "j1"), Acquired)
        held = second.acquire("slot", 0.5, "j2")
        assert not isinstance(held, Acquired) and (held.holder, held.job_id) == ("a", "j1")
        assert first.renew("slot", 0.5, "j1") and not second.renew("slot", 0.5, "j1")
        time.sleep(0.6)  # "a" stopped renewing: dead

        contenders = [Leases(engine, f"r{i}") for i in range(6)]
        barrier, won = threading.Barrier(len(contenders)), []

        def take(leases: Leases) -> None:
            barrier.wait()
            got = leases.acquire("slot", 30, f"job-{leases.holder}")
            if isinstance(got, Acquired):
                won.append(got)

        threads = [threading.Thread(target=take, args=(c,)) for c in contenders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(won) == 1, won
        assert (won[0].taken_over.holder, won[0].taken_over.job_id) == ("a", "j1")
        assert not first.renew("slot", 0.5, "j1")  # the dead holder cannot come back to it
        winner = next(c for c in contenders if c.holder == won[0].lease.holder)
        winner.release("slot", won[0].lease.job_id)
        assert winner.current("slot") is None
    finally:
        engine.dispose()
