"""Shared helpers for the service tests: fake model directories, a running app, a tiny corpus."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from argmine.models.scheme import HEADS
from argmine.service.app import create_app
from argmine.service.settings import Settings
from tests.fakes import FakeLabeler
from tests.service.fake_models import fake_or_real

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def write_fake_model(directory: Path, version: str, mean_f1: float = 0.5, created: str = "2024-01-01T00:00:00+00:00") -> Path:
    """A model directory the registry lists; the fake factory serves it with FakeLabeler."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "training.json").write_text(json.dumps({"version": version, "created": created}))
    report = {"n": 10, **{head: {"macro_f1": mean_f1} for head in HEADS}}
    (directory / "metrics.json").write_text(json.dumps({"eval": report}))
    return directory


def write_refit_model(directory: Path, version: str, twin: str, twin_f1: float = 0.6,
                      created: str = "2024-01-01T00:00:00+00:00") -> Path:
    """A model trained with ``holdout: false``: no held-out metrics of its own, its twin's recorded."""
    write_fake_model(directory, version, created=created)
    (directory / "training.json").write_text(json.dumps({"version": version, "created": created,
                                                         "config": {"holdout": False}}))
    twin_eval = {"n": 10, **{head: {"macro_f1": twin_f1} for head in HEADS}}
    (directory / "metrics.json").write_text(json.dumps({"twin": {"version": twin, "metrics": {"eval": twin_eval}}}))
    return directory


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    default = overrides.pop("model_dir", None) or write_fake_model(tmp_path / "shipped", "fake-1")
    return Settings(data_dir=tmp_path / "data", model_dir=default, api_token=TOKEN, **overrides)


@contextmanager
def running(tmp_path: Path, labeler: FakeLabeler | None = None, factory=None, train_worker=None,
            **overrides: Any) -> Iterator[TestClient]:
    """The real app over HTTP (TestClient runs the lifespan), with a real SQLite file under tmp_path.

    ``labeler``: one fake instance served for every version (so a test can read its
    ``calls``); its warm-up call is forgotten once the app is up.
    """
    if labeler is not None:
        factory = lambda _path: labeler  # noqa: E731
    app = create_app(settings_for(tmp_path, **overrides), labeler_factory=factory or fake_or_real,
                     train_worker=train_worker)
    with TestClient(app, raise_server_exceptions=False) as client:
        if labeler is not None:
            labeler.calls.clear()
        yield client


def token_for(client: TestClient, name: str, role: str = "annotator") -> dict[str, str]:
    """Headers with a new token of ``name`` (made as `argmine tokens create` would)."""
    token, _ = client.app.state.services.tokens.create(name, role, "test")
    return {"Authorization": f"Bearer {token}"}


def post_as_annotators(client: TestClient, annotations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store each annotation, in order, with a token of its ``annotator`` (the bootstrap admin's when it has
    none); returns the stored items. The name comes from the token, as a real client's would."""
    headers: dict[str | None, dict[str, str]] = {None: AUTH}
    items = []
    for annotation in annotations:
        name = annotation.get("annotator")
        if name not in headers:
            headers[name] = token_for(client, name)
        response = client.post("/v1/annotations", json={"annotations": [annotation]}, headers=headers[name])
        assert response.status_code == 201, response.text
        items += response.json()["items"]
    return items


# (text, role, stance, risk): enough variety for every head to see each of a few labels.
_SENTENCES = [
    ("Citizens should vote online in every election.", "claim", "populist", False),
    ("Turnout rose by 12 percent in 2019.", "premise", "none", False),
    ("State surveillance of online voters is a real risk.", "claim", "skeptical", True),
    ("NGOs and parties gain a stronger voice on the Internet.", "claim", "pluralist", False),
    ("The portal was launched in 2005.", "premise", "none", False),
    ("This section describes the method.", "none", "none", False),
    ("Hackers could manipulate the count.", "premise", "skeptical", True),
    ("Online petitions bring government closer to the people.", "claim", "populist", False),
]


def write_corpus(root: Path, documents: int = 2, paragraphs: int = 6) -> Path:
    """A valid corpus in the annotations/ format: documents/<id>.txt and <id>.jsonl covering every sentence."""
    (root / "documents").mkdir(parents=True, exist_ok=True)
    k = 0
    for d in range(documents):
        doc_id = f"tiny-{d}"
        text, records = "", []
        for p in range(paragraphs):
            if p:
                text += "\n\n"
            for s in range(2):
                sentence, role, stance, risk = _SENTENCES[k % len(_SENTENCES)]
                k += 1
                if s:
                    text += " "
                records.append({"doc_id": doc_id, "sent_id": len(records), "text": sentence, "start": len(text),
                                "end": len(text) + len(sentence), "role": role, "stance": stance, "risk": risk,
                                "source": "authored"})
                text += sentence
        (root / "documents" / f"{doc_id}.txt").write_text(text + "\n", encoding="utf-8")
        (root / f"{doc_id}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return root
