"""Take the screenshots in docs/ (web-*.png) of the four pages, on the shipped model.

    .venv/bin/python docs/screenshots.py

Starts the service on a free loopback port with a temporary data directory, labels
a short document written for this purpose, stores a few annotations by two people,
runs a two-step training job, and photographs each page in Debian's Chromium.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import sync_playwright

from argmine.service.app import create_app
from argmine.service.settings import Settings

DOCS = Path(__file__).resolve().parent
TOKEN = "screenshot-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DOCUMENT = """Online Budgets in Mid-Sized Towns

Every resident should have a direct say over how the town spends its money. In 2024 about 9,000 people voted on budget proposals through the municipal portal, twice as many as attended the old assemblies. Citizens finally speak without party machines in between.

Neighbourhood associations and local parties also used the portal to rally support for their projects. The process works best when many groups compete in the open.

Yet the portal stores the identity of every voter. A breach could expose how each household voted. Officials have not explained who can read these records."""
PEOPLE = {
    "ada": [("Every resident should have a direct say over how the town spends its money.", "claim", "populist", False),
            ("A breach could expose how each household voted.", "premise", "skeptical", True),
            ("The process works best when many groups compete in the open.", "claim", "pluralist", False),
            ("Officials have not explained who can read these records.", "premise", "skeptical", True)],
    "bo": [("Every resident should have a direct say over how the town spends its money.", "claim", "populist", False),
           ("A breach could expose how each household voted.", "claim", "skeptical", True),
           ("The process works best when many groups compete in the open.", "claim", "pluralist", False),
           ("Officials have not explained who can read these records.", "premise", "none", True)],
}


def serve(settings: Settings) -> tuple[uvicorn.Server, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="argmine-shots-"))
    server, url = serve(Settings(data_dir=data, api_token=TOKEN))
    api = httpx.Client(base_url=url, timeout=120)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 760})
        page.goto(url + "/")
        page.evaluate(f"sessionStorage.setItem('argmine.annotator', 'ada'); sessionStorage.setItem('argmine.token', {TOKEN!r})")
        page.reload()
        page.fill("#doc-text", DOCUMENT)
        page.fill("#doc-id", "town-budgets")
        page.click("#doc-label")
        page.locator("#doc-view .sent").first.wait_for()
        page.locator('#doc-view .sent[data-i="1"]').click()
        page.keyboard.press("Enter")  # store the first sentence as it is
        page.locator('#doc-view .sent[data-i="1"][data-status="accepted"]').wait_for()
        page.locator('#doc-view .sent[data-i="6"]').click()
        page.keyboard.press("2")
        page.keyboard.press("Enter")  # a correction
        page.locator('#doc-view .sent[data-i="6"][data-status="corrected"]').wait_for()
        page.locator('#doc-view .sent[data-i="2"]').hover()
        page.screenshot(path=DOCS / "web-document.png")

        for name, rows in PEOPLE.items():
            api.post("/v1/annotations", headers=AUTH, json={"annotations": [
                {"text": t, "role": r, "stance": s, "risk": k, "doc_id": "town-budgets",
                 "start": DOCUMENT.index(t), "end": DOCUMENT.index(t) + len(t), "annotator": name}
                for t, r, s, k in rows]}).raise_for_status()
        page.goto(url + "/#/queue")
        page.locator("#queue-text").wait_for()
        page.keyboard.press("a")
        page.locator("#queue-text").wait_for()
        page.screenshot(path=DOCS / "web-queue.png")

        page.goto(url + "/#/corpus")
        page.locator("#pairs").wait_for()
        page.screenshot(path=DOCS / "web-corpus.png", full_page=False)

        job = api.post("/v1/train", headers=AUTH, json={"force": False, "config": {
            "max_steps": 2, "epochs": 1, "batch_size": 8, "device": "cpu"}}).json()
        page.goto(url + "/#/models")
        page.locator("#job progress").wait_for()
        deadline = time.monotonic() + 600
        while api.get(f"/v1/jobs/{job['id']}").json()["status"] == "running" and time.monotonic() < deadline:
            time.sleep(1)
        # The comparison table, or (against a model trained on the held-out sections, with no stored
        # annotation among them) the decision that says there was nothing to compare on.
        page.locator("#job p", has_text="activated").wait_for(timeout=30_000)
        page.screenshot(path=DOCS / "web-models.png")
        browser.close()
    server.should_exit = True
    for shot in sorted(DOCS.glob("web-*.png")):
        print(f"{shot.name}: {shot.stat().st_size // 1024} KB")


if __name__ == "__main__":
    sys.exit(main())
