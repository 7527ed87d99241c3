"""The PostgreSQL test fixture fails when CI configured a server that does not answer, and only skips
when nothing was configured."""

from __future__ import annotations

import pytest

from tests import databases

NOBODY = "postgresql+psycopg://postgres@127.0.0.1:9/test"  # port 9 (discard): nothing listens


def test_a_configured_server_that_does_not_answer_fails_the_test(monkeypatch):
    monkeypatch.setenv(databases.ENV, NOBODY)
    with pytest.raises(pytest.fail.Exception, match="is set but the server does not answer"):
        databases.postgres_server()


def test_without_configuration_a_missing_local_server_skips(monkeypatch):
    monkeypatch.delenv(databases.ENV, raising=False)
    monkeypatch.setattr(databases, "LOCAL_DEFAULT", NOBODY)
    with pytest.raises(pytest.skip.Exception):
        databases.postgres_server()
