"""Probes, Prometheus metrics, OpenAPI docs, and settings logged once with secrets hidden."""

from __future__ import annotations

import pytest

from argmine.service.settings import Settings
from tests.fakes import FakeLabeler
from tests.service.support import TOKEN, running


def _value(metrics: str, name: str) -> float:
    return float(next(line for line in metrics.splitlines() if line.startswith(name + " ")).split()[-1])


def test_probes_report_process_and_readiness(tmp_path):
    with running(tmp_path, labeler=FakeLabeler()) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"status": "ready", "model_version": "fake-1"}
        client.app.state.services.store.engine.dispose()
        database = tmp_path / "data" / "argmine.db"
        for path in tmp_path.glob("data/argmine.db*"):
            path.unlink()
        database.mkdir()  # the database file can no longer be opened
        not_ready = client.get("/readyz")
        database.rmdir()
    assert not_ready.status_code == 503
    assert not_ready.json()["error"] == "not_ready" and "database" in not_ready.json()["detail"]


def test_metrics_count_requests_by_route_and_describe_batches(tmp_path):
    with running(tmp_path, labeler=FakeLabeler()) as client:
        for _ in range(3):
            client.post("/v1/label", json={"documents": [{"text": "One. Two."}]})
        client.post("/v1/label", json={"documents": []})
        client.get("/v1/jobs/abc")
        metrics = client.get("/metrics")
    text = metrics.text
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'argmine_http_requests_total{method="POST",route="/v1/label",status="200"} 3.0' in text
    assert 'argmine_http_requests_total{method="POST",route="/v1/label",status="422"} 1.0' in text
    assert 'argmine_http_requests_total{method="GET",route="/v1/jobs/{job_id}",status="404"} 1.0' in text
    assert 'argmine_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/label"}' in text
    assert _value(text, "argmine_batch_sentences_count") == 3
    assert _value(text, "argmine_batch_sentences_sum") == 6
    assert _value(text, "argmine_labelled_sentences_total") == 6
    assert _value(text, "argmine_queue_depth") == 0
    assert "argmine_forward_duration_seconds_bucket" in text


def test_openapi_docs_describe_every_route(tmp_path):
    with running(tmp_path, labeler=FakeLabeler()) as client:
        assert client.get("/docs").status_code == 200
        spec = client.get("/openapi.json").json()
    for path in ("/v1/label", "/v1/annotations", "/v1/annotations/export", "/v1/annotations/import",
                 "/v1/suggestions", "/v1/train", "/v1/jobs/{job_id}", "/v1/models", "/v1/models/{version}/activate",
                 "/healthz", "/readyz", "/metrics"):
        assert path in spec["paths"], path
    body = spec["paths"]["/v1/label"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "text/plain", "application/pdf", "text/html", "application/xhtml+xml",
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         "multipart/form-data"}
    assert "documents" in body["application/json"]["schema"]["properties"]


def test_settings_are_logged_once_at_start_without_secrets(tmp_path, caplog):
    with caplog.at_level("INFO", logger="argmine"):
        with running(tmp_path, labeler=FakeLabeler()) as client:
            client.get("/healthz")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("settings: ")]
    assert len(lines) == 1
    assert '"api_token": "<set>"' in lines[0] and '"max_documents": 64' in lines[0]
    assert TOKEN not in caplog.text


def test_settings_come_from_argmine_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("ARGMINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ARGMINE_MAX_DOCUMENTS", "7")
    monkeypatch.setenv("ARGMINE_DATABASE_URL", "postgresql://argmine:s3cret@db.example.org/argmine")
    settings = Settings()
    assert settings.max_documents == 7 and settings.data_dir == tmp_path
    assert settings.redacted()["database_url"] == "postgresql://argmine:***@db.example.org/argmine"
    monkeypatch.setenv("ARGMINE_MAX_DOCUMENTS", "many")
    with pytest.raises(ValueError, match="max_documents"):
        Settings()


def test_the_service_shortens_the_thread_switch_interval_while_it_runs_and_restores_it(tmp_path):
    import sys

    before = sys.getswitchinterval()
    with running(tmp_path, labeler=FakeLabeler(), gil_switch_ms=0.25) as client:
        assert client.get("/healthz").status_code == 200
        assert sys.getswitchinterval() == pytest.approx(0.00025)
    assert sys.getswitchinterval() == pytest.approx(before)
    with pytest.raises(ValueError, match="gil_switch_ms"):
        Settings(gil_switch_ms=0)
