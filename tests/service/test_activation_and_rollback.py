"""Switching model versions: activate, roll back, persist, and never fail a request in flight.

On SQLite and PostgreSQL: the active version lives in the database.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from argmine.service.registry import RegistryError
from tests.fakes import FakeLabeler
from tests.service.fake_models import versioned_fake
from tests.service.support import AUTH, running, write_fake_model, write_refit_model


def _version(path: Path) -> str:
    return json.loads((Path(path) / "training.json").read_text())["version"]


class Models:
    """A factory that remembers the fakes it made; versions named 'broken*' fail to load."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.loaded: dict[str, FakeLabeler] = {}

    def __call__(self, path: Path) -> FakeLabeler:
        version = _version(path)
        if version.startswith("broken"):
            raise OSError("weights.safetensors is truncated")
        self.loaded[version] = versioned_fake(version, delay=self.delay)
        return self.loaded[version]


def _served_version(client) -> str:
    response = client.post("/v1/label", json={"documents": [{"text": "Which model answers?"}]})
    return response.json()["documents"][0]["sentences"][0]["model_version"]


def _models(tmp_path: Path) -> None:
    root = tmp_path / "data" / "models"
    write_fake_model(root / "v2", "v2", mean_f1=0.6, created="2024-02-01T00:00:00+00:00")
    write_fake_model(root / "v3", "v3", mean_f1=0.7, created="2024-03-01T00:00:00+00:00")
    write_fake_model(root / "broken-1", "broken-1", created="2024-04-01T00:00:00+00:00")
    write_refit_model(root / "v4-refit", "v4-refit", twin="v3", twin_f1=0.6, created="2024-05-01T00:00:00+00:00")


def test_activate_a_version_then_roll_back_and_the_choice_survives_restarts(tmp_path, database_url):
    _models(tmp_path)
    models = Models()
    with running(tmp_path, database_url=database_url, factory=models) as client:
        listing = client.get("/v1/models").json()
        assert listing["active"] == "fake-1"
        trained = [m for m in listing["models"] if not m["shipped"]]  # after the real shipped models, if any
        assert [m["version"] for m in trained] == ["v2", "v3", "broken-1", "v4-refit"]
        assert listing["models"][0]["version"] == "fake-1"
        assert listing["models"][0]["shipped"] and listing["models"][0]["active"]
        assert trained[1]["metrics"]["mean_macro_f1"] == 0.7
        assert all(m["held_out"] for m in trained[:3])
        refit = next(m for m in listing["models"] if m["version"] == "v4-refit")  # trained with holdout: false
        assert refit["held_out"] is False and refit["metrics"] is None
        assert refit["twin"]["version"] == "v3" and refit["twin"]["metrics"]["mean_macro_f1"] == 0.6
        assert all(m["twin"] is None for m in trained[:3])

        assert _served_version(client) == "fake-1"
        response = client.post("/v1/models/v3/activate", headers=AUTH)
        assert response.json() == {"active": "v3", "previous": "fake-1"}
        assert _served_version(client) == "v3"
        assert 'argmine_model_info{version="v3"} 1.0' in client.get("/metrics").text

    with running(tmp_path, database_url=database_url, factory=models) as client:  # the pointer persisted
        assert client.get("/v1/models").json()["active"] == "v3"
        assert _served_version(client) == "v3"
        rollback = client.post("/v1/models/fake-1/activate", headers=AUTH)
        assert rollback.json() == {"active": "fake-1", "previous": "v3"}
        assert _served_version(client) == "fake-1"

    with running(tmp_path, database_url=database_url, factory=models) as client:
        assert _served_version(client) == "fake-1"


def test_a_version_that_fails_to_load_changes_nothing(tmp_path, database_url):
    _models(tmp_path)
    with running(tmp_path, database_url=database_url, factory=Models()) as client:
        client.post("/v1/models/v2/activate", headers=AUTH)
        response = client.post("/v1/models/broken-1/activate", headers=AUTH)
        assert response.status_code == 422
        assert response.json()["error"] == "model_unusable"
        assert "truncated" in response.json()["detail"]
        assert client.get("/v1/models").json()["active"] == "v2"
        assert _served_version(client) == "v2"
        assert client.post("/v1/models/.staging-x/activate", headers=AUTH).status_code == 404


def test_a_missing_active_model_stops_start_up_naming_it(tmp_path, database_url):
    _models(tmp_path)
    with running(tmp_path, database_url=database_url, factory=Models()) as client:
        client.post("/v1/models/v2/activate", headers=AUTH)
    shutil.rmtree(tmp_path / "data" / "models" / "v2")
    with pytest.raises(RegistryError, match=r"active model 'v2', chosen in the database by admin, is missing: "
                                            r".*v2/training.json does not exist"):
        with running(tmp_path, database_url=database_url, factory=Models()):
            pass
    engine = create_engine(database_url)
    with engine.begin() as connection:  # what the message says to do
        connection.execute(text("DELETE FROM service_state WHERE key = 'active_model'"))
    engine.dispose()
    with running(tmp_path, database_url=database_url, factory=Models()) as client:
        assert _served_version(client) == "fake-1"


def test_a_missing_model_named_by_an_older_release_s_pointer_file_stops_start_up(tmp_path, database_url):
    _models(tmp_path)
    (tmp_path / "data" / "models" / "active.json").write_text(json.dumps({"version": "v2"}))
    shutil.rmtree(tmp_path / "data" / "models" / "v2")
    with pytest.raises(RegistryError, match=r"active model 'v2'.*v2/training.json does not exist.*active.json"):
        with running(tmp_path, database_url=database_url, factory=Models()):
            pass
    (tmp_path / "data" / "models" / "active.json").unlink()  # what the message says to do
    with running(tmp_path, database_url=database_url, factory=Models()) as client:
        assert _served_version(client) == "fake-1"


def test_requests_in_flight_finish_on_the_model_they_started_with(tmp_path, database_url):
    _models(tmp_path)
    models = Models(delay=0.4)  # every forward takes 0.4 s
    with running(tmp_path, database_url=database_url, factory=models) as client:
        slow: dict = {}
        old = models.loaded["fake-1"]
        calls_before = len(old.calls)
        thread = threading.Thread(target=lambda: slow.update(response=client.post(
            "/v1/label", json={"documents": [{"text": "Started before the switch. Still the old model."}]})))
        thread.start()
        deadline = time.monotonic() + 5
        while len(old.calls) == calls_before and time.monotonic() < deadline:
            time.sleep(0.01)  # wait until its forward is running on the old model
        switched = client.post("/v1/models/v2/activate", headers=AUTH)
        thread.join()
        assert switched.status_code == 200
        assert slow["response"].status_code == 200
        versions = {s["model_version"] for s in slow["response"].json()["documents"][0]["sentences"]}
        assert versions == {"fake-1"}
        assert _served_version(client) == "v2"
