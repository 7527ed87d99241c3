"""Retraining in a separate process: a tiny real job completes with a new version; failed,
cancelled and interrupted jobs leave the active model as it was. The jobs' bookkeeping runs on
SQLite and PostgreSQL; the slow real training on SQLite only (the database plays no part in it)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from argmine.service.jobs import decide
from tests.service.support import AUTH, running, write_corpus

TINY = {"max_steps": 2, "epochs": 1, "batch_size": 8, "device": "cpu"}
USER = [{"text": "E-voting brings the state closer to citizens.", "role": "claim", "stance": "populist", "risk": False},
        {"text": "Hackers attacked the portal in 2021.", "role": "premise", "stance": "skeptical", "risk": True}]


def _wait(client, job_id: str, timeout: float = 120.0) -> tuple[dict, list[float]]:
    seen: list[float] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        seen.append(job["progress"])
        if job["status"] != "running":
            return job, seen
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} still running after {timeout} s: {job}")


def _trained_versions(client) -> list[str]:
    """Every listed version but the shipped ones (the test's default, fake-1, first; the real shipped models)."""
    models = client.get("/v1/models").json()["models"]
    assert models[0]["version"] == "fake-1" and models[0]["shipped"]
    return [m["version"] for m in models if not m["shipped"]]


def _label_version(client) -> str:
    response = client.post("/v1/label", json={"documents": [{"text": "Citizens should vote online."}]})
    assert response.status_code == 200, response.text
    return response.json()["documents"][0]["sentences"][0]["model_version"]


@pytest.mark.slow  # ~20-35 s: spawns a process that imports torch and trains two steps
def test_a_training_job_completes_with_a_new_version_compared_on_the_same_evaluation(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    with running(tmp_path, annotations_dir=corpus) as client:
        client.post("/v1/annotations", json={"annotations": USER}, headers=AUTH)
        started = client.post("/v1/train", json={"config": TINY}, headers=AUTH)
        assert started.status_code == 202, started.text
        job = started.json()
        assert started.headers["Location"] == f"/v1/jobs/{job['id']}"
        assert (job["status"], job["baseline_version"], job["annotations"]) == ("running", "fake-1", 2)

        second = client.post("/v1/train", json={"config": TINY}, headers=AUTH)
        assert second.status_code == 409 and second.json()["error"] == "conflict"
        assert _label_version(client) == "fake-1"  # the service keeps answering meanwhile

        job, progress = _wait(client, job["id"])
        assert job["status"] == "succeeded", job
        assert progress == sorted(progress) and progress[-1] == 1.0
        version = job["version"]
        new, old = job["metrics"], job["baseline_metrics"]
        assert new["n"] == old["n"] > 0  # both models scored on the same held-out records
        assert job["activated"] == (new["mean_macro_f1"] >= old["mean_macro_f1"])
        assert job["decision"].startswith("activated" if job["activated"] else "not activated")

        listing = client.get("/v1/models").json()
        listed = {m["version"]: m for m in listing["models"]}
        assert listed[version]["metrics"]["mean_macro_f1"] == new["mean_macro_f1"]
        assert listing["active"] == (version if job["activated"] else "fake-1")
        assert client.get("/v1/jobs").json()["jobs"][0]["id"] == job["id"]

        # By hand, whatever the rule decided: the trained model serves, then rolls back.
        assert client.post(f"/v1/models/{version}/activate", headers=AUTH).status_code == 200
        assert _label_version(client) == version
        assert client.post("/v1/models/fake-1/activate", headers=AUTH).json()["active"] == "fake-1"
        assert _label_version(client) == "fake-1"
    assert not list((tmp_path / "data" / "models").glob(".staging-*"))


def test_a_failing_job_leaves_the_active_model_and_the_registry_untouched(tmp_path, database_url):
    # Valid config, but only user annotations, and there are none: fit() raises in the job's process.
    with running(tmp_path, database_url=database_url, annotations_dir=write_corpus(tmp_path / "corpus")) as client:
        job = client.post("/v1/train", json={"config": {**TINY, "sources": ["user"]}}, headers=AUTH).json()
        job, _ = _wait(client, job["id"], timeout=90)
        assert job["status"] == "failed"
        assert "ValueError: fit() needs at least one annotated sentence" in job["error"]
        assert "active model is unchanged" in job["error"]
        assert job["version"] is None and not job["activated"]
        assert _trained_versions(client) == []
        assert _label_version(client) == "fake-1"
    assert not list((tmp_path / "data" / "models").glob(".staging-*"))


def test_a_killed_job_is_failed_and_changes_nothing(tmp_path, database_url):
    with running(tmp_path, database_url=database_url, annotations_dir=write_corpus(tmp_path / "corpus")) as client:
        job_id = client.post("/v1/train", json={"config": TINY}, headers=AUTH).json()["id"]
        process = client.app.state.services.jobs._running[job_id].process
        os.kill(process.pid, signal.SIGKILL)  # as the OOM killer would
        job, _ = _wait(client, job_id, timeout=30)
        assert job["status"] == "failed" and "killed by signal 9" in job["error"]
        assert _trained_versions(client) == []
        assert _label_version(client) == "fake-1"


def test_a_broken_corpus_is_refused_before_any_job_starts(tmp_path, database_url):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "broken.jsonl").write_text('{"doc_id": "tiny-0", "role": "claim"}\n')
    with running(tmp_path, database_url=database_url, annotations_dir=corpus) as client:
        response = client.post("/v1/train", json={"config": TINY}, headers=AUTH)
        assert response.status_code == 409
        assert response.json()["error"] == "invalid_corpus"
        assert "broken.jsonl:1: missing field 'text'" in response.json()["detail"]
        assert client.get("/v1/jobs").json()["jobs"] == []


def test_a_cancelled_job_is_killed_and_changes_nothing(tmp_path, database_url):
    with running(tmp_path, database_url=database_url, annotations_dir=write_corpus(tmp_path / "corpus")) as client:
        job = client.post("/v1/train", json={"config": TINY}, headers=AUTH).json()
        cancelled = client.post(f"/v1/jobs/{job['id']}/cancel", headers=AUTH)
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        assert client.post(f"/v1/jobs/{job['id']}/cancel", headers=AUTH).status_code == 409
        assert _trained_versions(client) == []
        # The slot is free again.
        again = client.post("/v1/train", json={"config": TINY}, headers=AUTH)
        assert again.status_code == 202
        client.post(f"/v1/jobs/{again.json()['id']}/cancel", headers=AUTH)


def test_a_job_interrupted_by_a_shutdown_is_failed_not_left_running(tmp_path, database_url):
    corpus = write_corpus(tmp_path / "corpus")
    with running(tmp_path, database_url=database_url, annotations_dir=corpus) as client:
        job_id = client.post("/v1/train", json={"config": TINY}, headers=AUTH).json()["id"]
    with running(tmp_path, database_url=database_url, annotations_dir=corpus) as client:
        job = client.get(f"/v1/jobs/{job_id}").json()
        assert job["status"] == "failed" and "stopped" in job["error"]
        assert client.get("/v1/models").json()["active"] == "fake-1"


def _metrics(mean: float, n: int = 10) -> dict:
    return {"eval": {"n": n, "role": {"macro_f1": mean}, "stance": {"macro_f1": mean}, "risk": {"macro_f1": mean}}}


@pytest.mark.parametrize(("new", "old", "force", "active", "expected"), [
    (0.6, 0.5, False, "base", True),
    (0.5, 0.5, False, "base", True),  # not worse is enough
    (0.4, 0.5, False, "base", False),
    (0.4, 0.5, True, "base", True),  # forced
    (0.9, 0.5, False, "other", False),  # someone switched models while it trained
])
def test_a_new_model_is_activated_only_if_not_worse_unless_forced(new, old, force, active, expected):
    activate, why = decide(_metrics(new), _metrics(old), force=force, version="v-new", baseline_version="base",
                           active_version=active)
    assert activate is expected
    assert why.startswith("activated" if expected else "not activated")


def test_without_evaluation_records_nothing_is_activated_unless_forced():
    assert decide({}, {}, force=False, version="v", baseline_version="b", active_version="b")[0] is False
    assert decide({}, {}, force=True, version="v", baseline_version="b", active_version="b")[0] is True


def test_against_a_model_trained_on_the_held_out_sections_only_stored_annotations_compare(tmp_path):
    import json

    from argmine.service.training_worker import HELD_OUT, comparison_records

    held_out = [{"text": "a", "source": "seed"}, {"text": "b", "source": "user"}, {"text": "c", "source": "authored"}]
    twin, shipped = tmp_path / "twin", tmp_path / "shipped"
    for path, holdout in ((twin, True), (shipped, False)):
        path.mkdir()
        (path / "training.json").write_text(json.dumps({"config": {"holdout": holdout}}))
    assert comparison_records(held_out, twin) == (held_out, HELD_OUT)
    assert comparison_records(held_out, tmp_path / "fake") == (held_out, HELD_OUT)  # no training record
    records, where = comparison_records(held_out, shipped)
    assert records == [held_out[1]] and "stored annotations only" in where
    activate, why = decide(_metrics(0.7), _metrics(0.6), force=False, version="v", baseline_version="b",
                           active_version="b", compared_on=where)
    assert activate and "stored annotations only" in why
    nothing = decide({}, {}, force=False, version="v", baseline_version="b", active_version="b", compared_on=where)
    assert nothing[0] is False and "stored annotations only" in nothing[1]
