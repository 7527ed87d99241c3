"""``python -m tests.service.serve_fake DATA_DIR``: the app with a fake model in a process of its
own, on a free port it prints, so a test can measure the server's memory and latency without
its own client threads in the same process. Stops on SIGTERM."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from argmine.service.app import create_app
from tests.fakes import FakeLabeler
from tests.service.support import settings_for


def _fake(_path: Path) -> FakeLabeler:
    return FakeLabeler()


def main(data_dir: str) -> None:
    app = create_app(settings_for(Path(data_dir)), labeler_factory=_fake)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    original = server.startup

    async def startup(sockets=None) -> None:
        await original(sockets)
        print(server.servers[0].sockets[0].getsockname()[1], flush=True)

    server.startup = startup  # type: ignore[method-assign]
    server.run()


if __name__ == "__main__":
    main(sys.argv[1])
