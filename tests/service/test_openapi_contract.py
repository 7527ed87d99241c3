"""The OpenAPI document is the contract: schemathesis, every check, every operation.

The app runs on a real socket with a fake model and a fake training process
(``fake_models.fake_train``: a job takes half a second), so training, activation
and cancelling are exercised too, and the stateful phase follows the document's
links from created jobs and annotations to their reads. Bounded: ~1-2 minutes on
two cores (``-n`` examples per operation, a fixed seed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from argmine.extraction import MEDIA_TYPES
from argmine.service.app import create_app
from argmine.service.schemas import NON_BLANK, WHITESPACE
from tests.service.fake_models import fake_or_real, fake_train
from tests.service.live import serving
from tests.service.support import AUTH, TOKEN, running, settings_for, write_corpus

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = 15


@pytest.mark.contract
@pytest.mark.timeout(400)
def test_every_operation_keeps_the_openapi_contract(tmp_path):
    app = create_app(settings_for(tmp_path, annotations_dir=write_corpus(tmp_path / "corpus")),
                     labeler_factory=fake_or_real, train_worker=fake_train)
    report = tmp_path / "schemathesis.json"
    with serving(app) as url:
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{url}/openapi.json",
             "--checks", "all", "--max-examples", str(EXAMPLES), "--seed", "13", "--workers", "1",
             "--header", f"Authorization: Bearer {TOKEN}", "--generation-database", "none", "--no-color",
             "--report", "json", "--report-json-path", str(report)],
            capture_output=True, text=True, timeout=380, cwd=tmp_path)
    summary = run.stdout[run.stdout.find("FAILURES"):] if "FAILURES" in run.stdout else run.stdout[-3000:]
    assert run.returncode == 0, summary + run.stderr[-2000:]
    result = json.loads(report.read_text())
    assert result["complete"] and not result["failures"] and not result["errors"], summary
    assert result["test_cases"]["with_failures"] == 0 and result["test_cases"]["errored"] == 0
    assert {name: phase["status"] for name, phase in result["phases"].items()} == {
        "examples": "success", "coverage": "success", "fuzzing": "success", "stateful": "success"}, result["phases"]
    stateful = re.search(r"API Links:\s+(\d+) covered / (\d+) selected", run.stdout)
    assert stateful and int(stateful.group(1)) > 0, run.stdout[-2000:]
    assert "5xx" not in summary


def test_the_non_blank_pattern_is_exactly_what_strip_removes():
    """The schema's pattern and the code's ``str.strip()`` agree on every code point."""
    blank = re.compile(f"^[{WHITESPACE}]*$")
    for code in range(0x110000):
        char = chr(code)
        assert bool(blank.match(char)) == char.isspace(), hex(code)
    assert re.search(NON_BLANK, " \u3000x") and not re.search(NON_BLANK, " \t\u2028")


def test_every_error_is_declared_with_the_service_error_body(tmp_path):
    with running(tmp_path) as client:
        document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ErrorOut" in schemas
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status in ("400", "413", "500", "503"):
                assert status in responses, (method, path, status)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in responses, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status[0] in "45":
                    assert response["content"] == {"application/json": {"schema": {
                        "$ref": "#/components/schemas/ErrorOut"}}}, (method, path, status)


def test_limits_and_content_types_are_in_the_document(tmp_path):
    with running(tmp_path, max_documents=7, max_chars=321) as client:
        document = client.get("/openapi.json").json()
        body = document["paths"]["/v1/label"]["post"]["requestBody"]["content"]
        assert set(body) == {"application/json", "text/plain", "multipart/form-data", *MEDIA_TYPES}
        assert body["text/plain"]["schema"] == {"type": "string", "pattern": NON_BLANK, "maxLength": 321}
        documents = body["application/json"]["schema"]["properties"]["documents"]
        assert (documents["minItems"], documents["maxItems"]) == (1, 7)
        assert documents["items"]["properties"]["text"]["maxLength"] == 321
        assert "x-settings" not in json.dumps(document)
        links = document["paths"]["/v1/train"]["post"]["responses"]["202"]["links"]
        assert links["GetJob"]["operationRef"] == "#/paths/~1v1~1jobs~1{job_id}/get"


def test_options_and_unsupported_methods_name_every_allowed_method(tmp_path):
    with running(tmp_path) as client:
        options = client.options("/v1/annotations")
        assert options.status_code == 204
        assert options.headers["allow"] == "GET, OPTIONS, POST"
        put = client.put("/v1/annotations", json={}, headers=AUTH)
        assert put.status_code == 405 and put.headers["allow"] == "GET, OPTIONS, POST"
        assert put.json()["error"] == "method_not_allowed"
        assert client.delete("/v1/jobs/abc").headers["allow"] == "GET, OPTIONS"
        head = client.head("/healthz")  # not served, so not advertised
        assert head.status_code == 405 and head.headers["allow"] == "GET, OPTIONS"
