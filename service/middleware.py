"""ASGI middleware: allowed methods, the request body cap and per-route request metrics.

Plain ASGI rather than ``BaseHTTPMiddleware``: no extra task per request, and the
body cap can refuse a declared Content-Length before reading a byte.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from argmine.service.errors import BodyTooLarge, error_response
from argmine.service.metrics import ServiceMetrics

_METHODS = {"get", "put", "post", "delete", "patch", "head", "trace"}


class AllowedMethods:
    """``OPTIONS`` answers 204 with ``Allow``; a method a documented path lacks answers 405 with ``Allow``.

    Starlette's own 405 lists only the first route matching the path, so a path
    served by two routes (GET and POST /v1/annotations) advertised half its methods.
    Here ``Allow`` comes from ``routes``: every documented route's path template and
    methods (what the OpenAPI document lists), read once on first use, so routes added
    later count too. It is read from the routes, not from the OpenAPI document, because
    building that document takes seconds the first request would wait for. Paths it
    does not list (/docs, unknown ones) are left to the router.
    """

    def __init__(self, app: ASGIApp, routes: Callable[[], Iterable[tuple[str, Iterable[str]]]]):
        self.app = app
        self.routes = routes
        self._paths: list[tuple[re.Pattern[str], set[str]]] | None = None
        self._concrete: dict[str, set[str]] = {}

    def allowed(self, path: str) -> set[str]:
        """As OpenAPI matches: a concrete path (/v1/links/export) before a templated one (/v1/links/{link_id})."""
        if self._paths is None:
            templates: dict[str, set[str]] = {}
            for template, methods in self.routes():
                templates.setdefault(template, set()).update(m.upper() for m in methods if m.lower() in _METHODS)
            self._paths = [(compile_path(template)[0], methods) for template, methods in templates.items()]
            self._concrete = {template: methods for template, methods in templates.items() if "{" not in template}
        if path in self._concrete:
            return self._concrete[path]
        methods: set[str] = set()
        for pattern, declared in self._paths:
            if pattern.match(path):
                methods |= declared
        return methods  # no HEAD: FastAPI's routes do not answer it, so Allow must not promise it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = self.allowed(scope["path"])
        if methods and scope["method"] not in methods:
            allow = ", ".join(sorted(methods | {"OPTIONS"}))
            if scope["method"] == "OPTIONS":
                response: Response = Response(status_code=204, headers={"Allow": allow})
            else:
                response = error_response(HTTPException(405, f"{scope['method']} is not allowed here; "
                                                             f"this path allows {allow}", {"Allow": allow}))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """413 for bodies over ``limit`` bytes: at once when Content-Length says so,
    otherwise as soon as the streamed (chunked) body passes the limit."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await error_response(BodyTooLarge(self.limit))(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)  # answered by the app's exception handlers
            return message

        await self.app(scope, limited, send)


class RequestMetrics:
    """Counts and times every request by route template (not raw path: bounded label values)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
