"""Awaiting work on behalf of an HTTP client, and withdrawing it when the client leaves.

Uvicorn does not cancel a handler when its client disconnects; the handler only
learns of it from an ``http.disconnect`` message. ``until_disconnected`` races the
work against that message and cancels the work when the client goes first, which
for the batcher means the request's sentences are dropped from the queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import Request

T = TypeVar("T")


class ClientGone(Exception):
    """The client disconnected before the answer was ready; there is no one to answer."""


async def _disconnected(request: Request) -> None:
    # Only valid once the body has been read: after that, receive() yields nothing
    # but the disconnect (or blocks until the response is sent).
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def until_disconnected(request: Request, work: Awaitable[T]) -> T:
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        watcher.cancel()
    if not task.done():
        task.cancel()
        raise ClientGone("the client disconnected")
    return task.result()
