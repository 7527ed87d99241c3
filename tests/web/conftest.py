"""Browser tests: the real app under uvicorn on a free loopback port, driven by Debian's Chromium.

The model is the service tests' fake (instant, keyword labels), the database a real
SQLite file under tmp_path. Chromium comes from ``apt-get install chromium``
(.ci/run installs it when missing), not from Playwright's own download.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from argmine.service.app import create_app
from tests.service.fake_models import fake_or_real
from tests.service.support import AUTH, settings_for, write_corpus

CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Server:
    url: str
    api: httpx.Client

    def write(self, path: str, body: dict, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else AUTH
        response = self.api.post(path, json=body, headers=headers)
        response.raise_for_status()
        return response.json()

    def token(self, name: str, role: str = "annotator") -> str:
        """A person's token, made by the bootstrap admin: what they write is recorded under ``name``."""
        return self.write("/v1/tokens", {"name": name, "role": role})["token"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    settings = settings_for(tmp_path, annotations_dir=write_corpus(tmp_path / "corpus", documents=1, paragraphs=2))
    port = _free_port()
    config = uvicorn.Config(create_app(settings, labeler_factory=fake_or_real), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=10) as api:
        yield Server(url, api)
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does it), "
                    f"or deselect the browser tests with -m 'not browser'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server: Server):
    """A fresh browser context (empty sessionStorage) on the page, failing the test on any script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A refused request logs "Failed to load resource"; that is the server's answer, not a page error.
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    page.goto(server.url + "/")
    yield page
    context.close()
    assert not errors, f"the page reported errors: {errors}"


def sign_in(page, name: str, token: str) -> None:
    """Fill the sign-in dialog the page opens on its first write."""
    page.locator("#signin").wait_for(state="visible")
    page.fill("#signin-name", name)
    page.fill("#signin-token", token)
    page.click("#signin-save")
