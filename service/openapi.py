"""The OpenAPI document as the contract: what ``/openapi.json`` promises is what the service does.

FastAPI's document is built from the routes; this completes it in one place, for every
route, present and future:

- every error a route can answer is declared with the real error body (``ErrorOut``):
  FastAPI's own 422 schema (``HTTPValidationError``) is replaced, since
  ``service.errors`` answers every error as ``{"error", "detail", "errors"?}``;
- which errors: 400, 413, 500 and 503 on every route (bad encoding or JSON, the body
  cap, the unexpected, and the database or model being unavailable), 422 where a
  route reads parameters or a body, 401 and 403 where it needs a token, 404 where
  its path names a resource;
- limits that are settings (``schemas.from_settings``) get this service's values;
- links lead from a created resource to where it is read, changed or used (``LINKS``),
  so a client, or schemathesis's stateful phase, can follow them.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from argmine.service.schemas import ErrorOut, import_record_schemas, link_record_schema
from argmine.service.settings import Settings

ERROR_REF = "#/components/schemas/ErrorOut"
EVERY_ROUTE = (400, 413, 500, 503)
_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def _ref(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


# (path, method, status) -> links from that answer: name -> (target path, method, {parameter: expression}).
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("/v1/train", "post", "202"): {
        "GetJob": ("/v1/jobs/{job_id}", "get", {"job_id": "$response.body#/id"}),
        "CancelJob": ("/v1/jobs/{job_id}/cancel", "post", {"job_id": "$response.body#/id"}),
    },
    ("/v1/jobs", "get", "200"): {
        "GetJob": ("/v1/jobs/{job_id}", "get", {"job_id": "$response.body#/jobs/0/id"}),
    },
    ("/v1/jobs/{job_id}", "get", "200"): {
        "ActivateTrainedModel": ("/v1/models/{version}/activate", "post", {"version": "$response.body#/version"}),
    },
    ("/v1/models", "get", "200"): {
        "ActivateModel": ("/v1/models/{version}/activate", "post", {"version": "$response.body#/models/0/version"}),
    },
    ("/v1/links", "post", "201"): {
        "GetLink": ("/v1/links/{link_id}", "get", {"link_id": "$response.body#/items/0/id"}),
        "ChangeLink": ("/v1/links/{link_id}", "patch", {"link_id": "$response.body#/items/0/id"}),
        "DeleteLink": ("/v1/links/{link_id}", "delete", {"link_id": "$response.body#/items/0/id"}),
        "ListLinksByDocument": ("/v1/links", "get", {"doc_id": "$response.body#/items/0/doc_id"}),
    },
    ("/v1/annotations", "post", "201"): {
        "ListByDocument": ("/v1/annotations", "get", {"doc_id": "$response.body#/items/0/doc_id"}),
        "ExportByDocument": ("/v1/annotations/export", "get", {"doc_id": "$response.body#/items/0/doc_id"}),
    },
}


def _add_links(paths: dict[str, Any]) -> None:
    for (path, method, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue  # a route that is gone takes its links with it
        response["links"] = {name: {"operationRef": _ref(target, target_method), "parameters": parameters}
                             for name, (target, target_method, parameters) in links.items()
                             if target_method in paths.get(target, {})}


def _error(status: int) -> dict[str, Any]:
    return {"description": HTTPStatus(status).phrase,
            "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}


def _errors_of(operation: dict[str, Any]) -> list[int]:
    codes = list(EVERY_ROUTE)
    if operation.get("parameters") or operation.get("requestBody"):
        codes.append(422)
    if operation.get("security"):
        codes += [401, 403]
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        codes.append(404)
    return codes


def _fill_settings(node: Any, settings: Settings) -> Any:
    """Replace each ``x-settings`` marker by the keywords it names, with this service's values."""
    if isinstance(node, dict):
        out = {k: _fill_settings(v, settings) for k, v in node.items() if k != "x-settings"}
        for keyword, setting in node.get("x-settings", {}).items():
            out[keyword] = getattr(settings, setting)
        return out
    if isinstance(node, list):
        return [_fill_settings(v, settings) for v in node]
    return node


def contract(document: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """FastAPI's document completed as the module docstring says; pure, for tests."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(import_record_schemas())
    schemas["LinkRecord"] = link_record_schema()
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in _errors_of(operation):
                responses.setdefault(str(status), _error(status))
            for status, response in responses.items():
                if status.startswith(("4", "5")):  # FastAPI's default 422, or a route's own declaration
                    response["content"] = {"application/json": {"schema": {"$ref": ERROR_REF}}}
    _add_links(document.get("paths", {}))
    return _fill_settings(document, settings)


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes, tags=app.openapi_tags, servers=app.servers)
            app.openapi_schema = contract(document, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
