"""Every error the HTTP layer answers, in one table: exception type -> (status, kind).

Library code raises its own typed errors and knows nothing of HTTP; this table is
the only place they become status codes. Every error body is
``{"error": kind, "detail": message}`` (validation errors add ``errors``), so a
client handles failures by ``error`` without parsing prose. Lookup walks the
exception's MRO, so a subclass inherits its parent's row unless it has its own.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from argmine.service.auth import Forbidden, Unauthorized
from argmine.service.batcher import BatcherStopped, BatchFailed, QueueFull
from argmine.service.disconnect import ClientGone
from argmine.extraction.errors import DamagedDocument, EmptyDocument, NoTextLayer, TooLong, UnsupportedFormat
from argmine.service.formats import ImportFormatError
from argmine.service.jobs import JobFinished, JobRunning, UnknownJob
from argmine.service.link_store import InvalidLink, LinkConflict, NotYourLink, UnknownLink
from argmine.service.predictor import ModelLoadError, ModelNotLoaded
from argmine.service.registry import RegistryError, UnknownVersion
from argmine.service.tokens import TokenError, UnknownToken
from argmine.training.corpus import CorpusError

log = logging.getLogger("argmine.errors")


class MalformedJSON(ValueError):
    """The body is not JSON although it says it is."""


class InvalidEncoding(ValueError):
    """The body is not valid UTF-8 (or the charset it declares)."""


class UnsupportedMediaType(ValueError):
    """A Content-Type this route does not read."""


class LimitExceeded(ValueError):
    """More documents, characters or annotations than the service accepts; names the setting."""


class BodyTooLarge(HTTPException):
    """The request body is over ``max_body_bytes``.

    An ``HTTPException`` so FastAPI's body parser passes it through unchanged
    instead of wrapping it into a generic 400.
    """

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is over max_body_bytes={limit} bytes (ARGMINE_MAX_BODY_BYTES); "
                              f"send fewer or shorter documents per request")


ERRORS: dict[type[BaseException], tuple[int, str]] = {
    MalformedJSON: (400, "malformed_json"),
    InvalidEncoding: (400, "invalid_encoding"),
    Unauthorized: (401, "unauthorized"),
    Forbidden: (403, "forbidden"),
    NotYourLink: (403, "forbidden"),
    UnknownVersion: (404, "not_found"),
    UnknownJob: (404, "not_found"),
    UnknownToken: (404, "not_found"),
    UnknownLink: (404, "not_found"),
    JobRunning: (409, "conflict"),
    JobFinished: (409, "conflict"),
    LinkConflict: (409, "conflict"),
    CorpusError: (409, "invalid_corpus"),  # the server's corpus, not the request, needs fixing
    BodyTooLarge: (413, "body_too_large"),
    LimitExceeded: (413, "limit_exceeded"),
    TooLong: (413, "limit_exceeded"),
    UnsupportedMediaType: (415, "unsupported_media_type"),
    RequestValidationError: (422, "validation_error"),
    ValidationError: (422, "validation_error"),
    ImportFormatError: (422, "invalid_import"),
    InvalidLink: (422, "invalid_link"),
    NoTextLayer: (422, "no_text_layer"),
    DamagedDocument: (422, "unreadable_document"),
    EmptyDocument: (422, "empty_document"),
    UnsupportedFormat: (415, "unsupported_media_type"),
    TokenError: (422, "validation_error"),
    ModelLoadError: (422, "model_unusable"),
    QueueFull: (429, "overloaded"),
    ClientGone: (499, "client_gone"),  # nginx's code: nobody reads it, the metrics do
    BatchFailed: (500, "model_error"),
    RegistryError: (500, "registry_error"),
    ModelNotLoaded: (503, "not_ready"),
    BatcherStopped: (503, "not_ready"),
    # The database is down, unreachable, read-only or locked: the request may succeed
    # later, and the transaction that failed left nothing behind.
    OperationalError: (503, "database_unavailable"),
    InterfaceError: (503, "database_unavailable"),
    HTTPException: (500, "http_error"),  # status and kind come from the exception itself
    Exception: (500, "internal_error"),
}
_HEADERS: dict[str, dict[str, str]] = {
    "overloaded": {"Retry-After": "1"},
    "database_unavailable": {"Retry-After": "5"},
    "unauthorized": {"WWW-Authenticate": "Bearer"},
}


def classify(exc: BaseException) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in ERRORS:
            status, kind = ERRORS[cls]
            if cls is HTTPException:
                assert isinstance(exc, HTTPException)
                status = exc.status_code
                kind = HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
            return status, kind
    return 500, "internal_error"  # pragma: no cover - Exception is in the table


def _validation_errors(errors: list[Any]) -> list[dict[str, Any]]:
    return [{"loc": ".".join(str(p) for p in e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in errors]


def _unwrap(exc: BaseException) -> BaseException:
    """FastAPI's body parser disguises two input errors; give them back their own kind."""
    if isinstance(exc, RequestValidationError) and any(e.get("type") == "json_invalid" for e in exc.errors()):
        first = next(e for e in exc.errors() if e.get("type") == "json_invalid")
        reason = (first.get("ctx") or {}).get("error", "JSON decode error")
        return MalformedJSON(f"the body is not valid JSON ({reason} at position {first['loc'][-1]}); "
                             f"send a JSON object as documented at /docs")
    if isinstance(exc, HTTPException) and not isinstance(exc, BodyTooLarge) and isinstance(exc.__cause__, UnicodeDecodeError):
        return InvalidEncoding(f"the body is not valid UTF-8: {exc.__cause__.reason} at byte {exc.__cause__.start}")
    return exc


def error_response(exc: BaseException) -> JSONResponse:
    exc = _unwrap(exc)
    status, kind = classify(exc)
    body: dict[str, Any] = {"error": kind, "detail": str(exc)}
    if isinstance(exc, (RequestValidationError, ValidationError)):
        errors = _validation_errors(list(exc.errors()))
        body["errors"] = errors
        shown = "; ".join(f"{e['loc'] or 'body'}: {e['msg']}" for e in errors[:5])
        body["detail"] = shown + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
    elif isinstance(exc, HTTPException):
        body["detail"] = str(exc.detail)
    elif isinstance(exc, ImportFormatError):
        body["errors"] = [{"loc": p.split(":", 1)[0], "msg": p} for p in exc.problems]
    if status >= 500 and kind == "internal_error":
        body["detail"] = "an unexpected error occurred; the service log has the details"
    elif kind == "database_unavailable":  # the driver's message may carry a URL or SQL: keep it in the log
        body["detail"] = (f"the database did not answer ({type(exc).__name__}); nothing was written; "
                          f"retry later, /readyz says when it is back")
    if status >= 500:
        log.error("%s answered %d: %s", type(exc).__name__, status, exc)
    headers = dict(_HEADERS.get(kind, {}))
    if isinstance(exc, HTTPException) and exc.headers:
        headers.update(exc.headers)  # e.g. Allow on a 405
    return JSONResponse(body, status_code=status, headers=headers or None)


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(exc)


def install(app: FastAPI) -> None:
    for cls in ERRORS:
        app.add_exception_handler(cls, _handle)
