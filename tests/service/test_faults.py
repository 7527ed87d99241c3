"""Faults a deployment meets, injected for real, and what must hold after each.

docs/service.md ("Faults tested") lists them with the guarantees these tests check.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import psutil
import pytest

from argmine.service.predictor import ModelLoadError
from tests.service.fake_models import fake_train
from tests.service.support import AUTH, running, write_corpus, write_fake_model

ANNOTATION = {"text": "Citizens should vote online.", "role": "claim", "stance": "populist", "risk": False}


def _served_version(client) -> str:
    response = client.post("/v1/label", json={"documents": [{"text": "Which model answers?"}]})
    assert response.status_code == 200, response.text
    return response.json()["documents"][0]["sentences"][0]["model_version"]


def _wait_job(client, job_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] != "running" or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def _training_process() -> psutil.Process:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for child in psutil.Process().children(recursive=True):
            try:
                if any("spawn_main" in part for part in child.cmdline()):
                    return child
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.05)
    raise AssertionError("no training process appeared")


# ---- the training worker killed ------------------------------------------------------------
def test_a_training_process_killed_mid_job_fails_the_job_and_the_next_one_runs(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    with running(tmp_path, annotations_dir=corpus, train_worker=fake_train) as client:
        started = client.post("/v1/train", json={"config": {"max_steps": 300}}, headers=AUTH)  # 30 s of "training"
        assert started.status_code == 202, started.text
        job_id = started.json()["id"]
        worker = _training_process()
        deadline = time.monotonic() + 30
        while client.get(f"/v1/jobs/{job_id}").json()["progress"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # mid-job: it has reported progress
        os.kill(worker.pid, signal.SIGKILL)
        killed_at = time.monotonic()

        job = _wait_job(client, job_id, timeout=5)
        assert job["status"] == "failed", job
        noticed = time.monotonic() - killed_at
        print(f"the killed job was marked failed after {noticed:.2f} s")
        assert noticed < 5
        assert "killed by signal 9" in job["error"] and "active model is unchanged" in job["error"]
        assert job["version"] is None and not job["activated"]
        assert _served_version(client) == "fake-1"
        assert not list((tmp_path / "data" / "models").glob(".staging-*"))  # no half-written model left

        again = client.post("/v1/train", json={"config": {"max_steps": 2}}, headers=AUTH)
        assert again.status_code == 202, again.text
        assert _wait_job(client, again.json()["id"], timeout=60)["status"] == "succeeded"


# ---- the database unreachable ----------------------------------------------------------------
def _cut_database(data: Path) -> Path:
    """Move the SQLite files away and put a directory in their place: every new connection fails."""
    aside = data / "aside"
    aside.mkdir()
    for path in data.glob("argmine.db*"):
        path.rename(aside / path.name)
    (data / "argmine.db").mkdir()
    return aside


def _restore_database(data: Path, aside: Path) -> None:
    (data / "argmine.db").rmdir()
    for path in aside.iterdir():
        path.rename(data / path.name)


def test_an_unreachable_database_answers_503_and_nothing_is_half_written(tmp_path):
    with running(tmp_path) as client:
        assert client.post("/v1/annotations", json={"annotations": [ANNOTATION]}, headers=AUTH).status_code == 201
        services = client.app.state.services
        services.store.engine.dispose()  # pooled connections hold the old file open
        aside = _cut_database(tmp_path / "data")

        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "the database does not answer" in ready.json()["detail"]
        batch = [{**ANNOTATION, "text": f"Sentence number {i} is new."} for i in range(50)]
        write = client.post("/v1/annotations", json={"annotations": batch}, headers=AUTH)
        assert write.status_code == 503, write.text
        assert write.json()["error"] == "database_unavailable" and write.headers["retry-after"] == "5"
        imported = client.post("/v1/annotations/import", content=b'{"text": "One more.", "role": "none", '
                               b'"stance": "none", "risk": false}', headers=AUTH)
        assert imported.status_code == 503
        assert client.get("/v1/annotations").status_code == 503
        assert client.get("/healthz").status_code == 200  # the process is fine: restarting it would not help
        assert _served_version(client) == "fake-1"  # labelling needs no database

        _restore_database(tmp_path / "data", aside)
        assert client.get("/readyz").status_code == 200
        page = client.get("/v1/annotations").json()
        assert page["total"] == 1 and page["items"][0]["text"] == ANNOTATION["text"]  # none of the 50, no partial
        again = client.post("/v1/annotations", json={"annotations": batch}, headers=AUTH)
        assert again.status_code == 201 and again.json()["created"] == 50


# ---- the active model's directory corrupted or deleted ------------------------------------------
def _corrupt(directory: Path) -> Path:
    weights = directory / "weights.safetensors"
    weights.write_bytes(b"\x00garbage, not a safetensors file" * 10)
    return weights


def test_a_corrupted_model_directory_is_refused_and_the_running_model_keeps_serving(tmp_path):
    root = tmp_path / "data" / "models"
    write_fake_model(root / "v2", "v2")
    with running(tmp_path) as client:
        assert client.post("/v1/models/v2/activate", headers=AUTH).status_code == 200
        assert _served_version(client) == "v2"
        write_fake_model(root / "v3", "v3")
        _corrupt(root / "v3")  # weights present: the real loader reads them, and fails

        refused = client.post("/v1/models/v3/activate", headers=AUTH)
        assert refused.status_code == 422 and refused.json()["error"] == "model_unusable"
        assert "'v3'" in refused.json()["detail"] and str(root / "v3") in refused.json()["detail"]
        assert _served_version(client) == "v2"

        shutil.rmtree(root / "v2")  # the active version deleted under the running service
        assert _served_version(client) == "v2"  # it is in memory: answers go on
        gone = client.post("/v1/models/v2/activate", headers=AUTH)
        assert gone.status_code == 404 and "no model version 'v2'" in gone.json()["detail"]


def test_start_up_with_a_corrupted_active_model_fails_naming_it(tmp_path):
    root = tmp_path / "data" / "models"
    write_fake_model(root / "v2", "v2")
    with running(tmp_path) as client:
        assert client.post("/v1/models/v2/activate", headers=AUTH).status_code == 200
    _corrupt(root / "v2")
    with pytest.raises(ModelLoadError, match=f"model 'v2' at {root / 'v2'} cannot be loaded"):
        with running(tmp_path):
            pass
