"""Annotations: store, page, export and import (argmine JSONL, Label Studio, doccano)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from argmine.service import formats
from argmine.service.deps import WRITE, Principal, Services, get_services
from argmine.service.errors import LimitExceeded
from argmine.service.formats import Format
from argmine.service.schemas import AddAnnotationsOut, AnnotationIn, AnnotationPage, AnnotationsIn, ErrorOut, ImportOut
from argmine.service.schemas import MAX_INT, Role, Stance
from argmine.service.store import Filters
from argmine.service.uploads import utf8_body

router = APIRouter(tags=["annotations"])
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 403, 413, 422)}


def filters(role: Role | None = None, stance: Stance | None = None, risk: bool | None = None,
            doc_id: str | None = None, annotator: str | None = None,
            q: str | None = Query(None, description="Case-insensitive substring of the text.")) -> Filters:
    return Filters(role, stance, risk, doc_id, annotator, q)


@router.post("/v1/annotations", status_code=201, response_model=AddAnnotationsOut,
             responses=_WRITE_ERRORS, summary="Store labelled sentences")
def add_annotations(body: AnnotationsIn, services: Services = Depends(get_services),
                    who: Principal = WRITE) -> dict[str, Any]:
    """Committed to disk before the answer. A sentence already stored with the same
    labels is not stored again (``created: false``, counted in ``duplicates``).
    The annotator is the name of the token that sends it, whatever the body says."""
    if len(body.annotations) > services.settings.max_annotations:
        raise LimitExceeded(f"{len(body.annotations)} annotations in one request, over max_annotations="
                            f"{services.settings.max_annotations} (ARGMINE_MAX_ANNOTATIONS); send them in parts "
                            f"or use POST /v1/annotations/import")
    result = services.store.add([{**a.model_dump(), "annotator": who.name} for a in body.annotations], who.name)
    return {"created": result.created, "duplicates": result.duplicates, "items": result.items}


@router.get("/v1/annotations", response_model=AnnotationPage, summary="Page through stored annotations")
def list_annotations(after: int | None = Query(None, ge=0, le=MAX_INT, description="The previous page's next_after."),
                     limit: int = Query(50, ge=1, le=1000), where: Filters = Depends(filters),
                     services: Services = Depends(get_services)) -> dict[str, Any]:
    page = services.store.page(where, after, limit)
    return {"items": page.items, "total": page.total, "next_after": page.next_after}


@router.get("/v1/annotations/export", summary="Download annotations as JSONL, Label Studio JSON or doccano JSONL",
            response_class=StreamingResponse, responses={200: {"content": {t: {} for t in formats.MEDIA_TYPES.values()}}})
def export_annotations(format: Format = "jsonl", where: Filters = Depends(filters),
                       services: Services = Depends(get_services)) -> StreamingResponse:
    """Streamed, so an export of any size runs in constant memory."""
    filename = f"argmine-annotations-{format}.{formats.EXTENSIONS[format]}"
    return StreamingResponse(formats.export_lines(services.store.iter_all(where), format),
                             media_type=formats.MEDIA_TYPES[format],
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


_RECORD = {"anyOf": [{"$ref": "#/components/schemas/ArgmineRecord"}, {"$ref": "#/components/schemas/DoccanoRecord"}]}
_IMPORT_BODY = {"requestBody": {"required": True, "content": {
    "application/x-ndjson": {"schema": {"type": "string", "minLength": 1,
                                        "description": "One record per line, each as in application/json."}},
    "application/json": {"schema": {"anyOf": [_RECORD, {"type": "array", "items": _RECORD, "minItems": 1}]}}}}}


@router.post("/v1/annotations/import", response_model=ImportOut, responses=_WRITE_ERRORS,
             summary="Upload annotations exported from argmine, Label Studio or doccano", openapi_extra=_IMPORT_BODY)
async def import_annotations(request: Request, format: Format | None = Query(
                                 None, deprecated=True, description="Ignored: each record's format is recognised "
                                                                    "from its keys."),
                             services: Services = Depends(get_services), who: Principal = WRITE) -> dict[str, Any]:
    """All or nothing: one bad record refuses the upload with every problem listed
    by line or task, and stores nothing. Records may be argmine's (JSONL or a JSON
    array), doccano's, or Label Studio tasks (a JSON export: tasks nobody annotated
    are skipped; their schema is Label Studio's). An annotator's import is recorded
    under their name; an admin's keeps the file's annotators (restoring a backup keeps
    who labelled what), its own name where none is given."""
    return await anyio.to_thread.run_sync(_import, services, await utf8_body(request), who)


def _import(services: Services, body: str, who: Principal) -> dict[str, Any]:
    parsed, seen = formats.parse_any(body)
    fmt = seen.pop() if len(seen) == 1 else "mixed"
    valid = formats.validated(parsed, AnnotationIn)
    if not valid:
        return {"format": fmt, "read": 0, "created": 0, "duplicates": 0}
    result = services.store.add(who.as_annotator(valid), who.name)
    return {"format": fmt, "read": len(valid), "created": result.created, "duplicates": result.duplicates}


@router.get("/v1/annotations/label-studio-config", response_class=PlainTextResponse,
            summary="The Label Studio labelling interface matching the import format")
def label_studio_config() -> str:
    return formats.LABEL_STUDIO_CONFIG
