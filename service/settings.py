"""Typed service settings: environment (``ARGMINE_`` prefix) -> validated object -> CLI overrides.

One object holds every knob, so tests build a ``Settings(...)`` with a tmp data dir
and the CLI builds one from its options; nothing reads the environment elsewhere.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from argmine.models.paths import ANNOTATIONS_DIR, DEFAULT_MODEL_DIR

log = logging.getLogger("argmine.service")

# Values people paste from examples; a token anyone can guess protects nothing.
_PLACEHOLDER_TOKENS = {"changeme", "changethis", "secret", "token", "password", "your-token"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARGMINE_", extra="forbid", validate_assignment=True)

    data_dir: Path = Field(Path("data"), description="Database, trained models, jobs and the generated API token.")
    model_dir: Path = Field(DEFAULT_MODEL_DIR, description="The shipped default model, always available.")
    annotations_dir: Path = Field(ANNOTATIONS_DIR, description="The annotated corpus retraining starts from.")
    database_url: str | None = Field(None, description="Any SQLAlchemy URL; default sqlite:///<data_dir>/argmine.db")
    api_token: SecretStr | None = Field(None, description="Bearer token for writes; generated on first start if unset.")
    train_config: Path | None = Field(None, description="YAML/JSON training config retraining jobs start from.")

    # Admission limits. 64 documents of 100k characters fit in the 8 MiB body cap,
    # so the body cap only bites on padding and imports, never on a valid request.
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    max_documents: int = Field(64, ge=1)
    max_chars: int = Field(100_000, ge=1)
    max_annotations: int = Field(5000, ge=1, description="Annotations per POST /v1/annotations.")

    # Batching. A queue of 64 requests at ~50 ms per forward bounds the wait near 3 s;
    # beyond that a client is better told 429 at once and retries elsewhere.
    queue_size: int = Field(64, ge=1, description="Requests waiting for a forward before 429.")
    batch_tokens: int = Field(8192, ge=64, description="Estimated tokens per forward pass.")
    batch_sentences: int = Field(256, ge=1, description="Sentences per forward pass.")
    max_wait_ms: float = Field(0.0, ge=0, description="Extra wait for company after a busy forward; a request "
                                                      "to an idle batcher always goes at once.")
    device: str = Field("auto", description="Inference device: auto, cpu, cuda.")
    # Python hands the GIL to a waiting thread only every switch interval (5 ms by default), and
    # the event loop needs it several times per request: while worker threads parse, segment and
    # encode maximal documents, /healthz took a median 70 ms, p95 143 ms (2-core AMD EPYC); at 0.5 ms
    # 20 and 48 ms (tests/service/test_faults_clients.py, docs/service.md).
    gil_switch_ms: float = Field(0.5, gt=0, description="Python's thread switch interval while the service "
                                                       "runs: short, so the event loop answers while worker "
                                                       "threads work through large documents.")

    suggestion_pool: int = Field(5000, ge=1, description="Recently labelled sentences kept for /v1/suggestions.")

    # Replicas. Several processes on one database and data_dir act as one service: each
    # checks the active model this often, so a switch reaches all of them within it.
    model_poll_seconds: float = Field(2.0, gt=0, description="How often a replica checks which model is active.")
    # A replica renews its training lease every third of this; a killed one frees the slot after it.
    training_lease_seconds: float = Field(30.0, ge=1,
                                          description="Seconds before a dead replica's training slot frees.")

    @field_validator("api_token")
    @classmethod
    def _real_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        token = value.get_secret_value()
        if token.lower() in _PLACEHOLDER_TOKENS or len(token) < 16:
            raise ValueError("ARGMINE_API_TOKEN must be a random string of at least 16 characters "
                             "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`), "
                             "or unset so the service generates one")
        return value

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'argmine.db').resolve()}"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"

    @property
    def token_file(self) -> Path:
        return self.data_dir / "api_token"

    def redacted(self) -> dict[str, Any]:
        """Every setting as logged: the token hidden, a database password masked."""
        data = self.model_dump(mode="json")
        data["api_token"] = "<set>" if self.api_token else None
        data["database_url"] = make_url(self.db_url).render_as_string(hide_password=True)
        return data

    def log(self) -> None:
        log.info("settings: %s", json.dumps(self.redacted(), sort_keys=True))
