"""Links between sentences that people draw: add, page, change, delete, export and import."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from argmine.service import link_formats
from argmine.service.deps import WRITE, Principal, Services, get_services
from argmine.service.errors import LimitExceeded
from argmine.service.formats import validated
from argmine.service.link_formats import LinkFormat
from argmine.service.link_store import LinkFilters
from argmine.service.schemas import (MAX_INT, AddLinksOut, ErrorOut, LinkChange, LinkImportOut, LinkIn, LinkPage,
                                     LinksIn, StoredLinkOut)
from argmine.service.store import Filters
from argmine.service.uploads import utf8_body

router = APIRouter(tags=["links"])
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 403, 409, 413, 422)}
_ONE_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (401, 403, 404, 422)}
LinkId = Path(ge=1, le=MAX_INT, description="The id of a stored link, as POST /v1/links answers it.")


def filters(doc_id: str | None = None, annotator: str | None = None) -> LinkFilters:
    return LinkFilters(doc_id, annotator)


def _check_size(services: Services, n: int) -> None:
    limit = services.settings.max_annotations
    if n > limit:
        raise LimitExceeded(f"{n} links in one request, over max_annotations={limit} (ARGMINE_MAX_ANNOTATIONS); "
                            f"send them in parts")


@router.post("/v1/links", status_code=201, response_model=AddLinksOut, responses=_WRITE_ERRORS,
             summary="Store links between sentences")
def add_links(body: LinksIn, services: Services = Depends(get_services), who: Principal = WRITE) -> dict[str, Any]:
    """All or nothing, committed before the answer. A link this person already stored is not stored
    again (``created: false``); one from a sentence they already link elsewhere is a 409 (a
    sentence has one target: change it with PATCH). The annotator is the token's name."""
    _check_size(services, len(body.links))
    result = services.links.add([{**l.model_dump(), "annotator": who.name} for l in body.links], who.name)
    return {"created": result.created, "duplicates": result.duplicates, "items": result.items}


@router.get("/v1/links", response_model=LinkPage, summary="Page through stored links")
def list_links(after: int | None = Query(None, ge=0, le=MAX_INT, description="The previous page's next_after."),
               limit: int = Query(50, ge=1, le=1000), where: LinkFilters = Depends(filters),
               services: Services = Depends(get_services)) -> dict[str, Any]:
    page = services.links.page(where, after, limit)
    return {"items": page.items, "total": page.total, "next_after": page.next_after}


@router.get("/v1/links/export", summary="Download stored links as JSONL, a CSV edge list, GraphML or AIF",
            response_class=StreamingResponse,
            responses={200: {"content": {t: {} for t in set(link_formats.MEDIA_TYPES.values())}}})
def export_links(format: LinkFormat = "jsonl", where: LinkFilters = Depends(filters),
                 services: Services = Depends(get_services)) -> Response:
    """JSONL streams and imports back (POST /v1/links/import). The graph formats are those of
    ``argmine links export``; their nodes are ``doc_id:start`` with the labels of the stored annotation
    of that sentence, where there is one."""
    filename = f"argmine-links.{link_formats.EXTENSIONS[format]}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "jsonl":
        return StreamingResponse(link_formats.jsonl_lines(services.links.iter_all(where)),
                                 media_type=link_formats.MEDIA_TYPES[format], headers=headers)
    links = list(services.links.iter_all(where))
    annotations = [a for doc_id in sorted({l["doc_id"] for l in links})
                   for a in services.store.iter_all(Filters(doc_id=doc_id))]
    return Response(link_formats.graph(links, annotations, format), media_type=link_formats.MEDIA_TYPES[format],
                    headers=headers)


_RECORD = {"$ref": "#/components/schemas/LinkRecord"}
_IMPORT_BODY = {"requestBody": {"required": True, "content": {
    "application/x-ndjson": {"schema": {"type": "string", "minLength": 1,
                                        "description": "One link per line, as GET /v1/links/export writes them."}},
    "application/json": {"schema": {"anyOf": [_RECORD, {"type": "array", "items": _RECORD, "minItems": 1}]}}}}}


@router.post("/v1/links/import", response_model=LinkImportOut, responses=_WRITE_ERRORS,
             summary="Upload links exported as JSONL", openapi_extra=_IMPORT_BODY)
async def import_links(request: Request, services: Services = Depends(get_services),
                       who: Principal = WRITE) -> dict[str, Any]:
    """All or nothing: one bad line refuses the upload with every problem listed by line (or item of a
    JSON array). An annotator's import is recorded under their name; an admin's keeps the file's annotators."""
    return await anyio.to_thread.run_sync(_import, services, await utf8_body(request), who)


def _import(services: Services, body: str, who: Principal) -> dict[str, Any]:
    valid = validated(link_formats.parse(body), LinkIn)
    _check_size(services, len(valid))
    result = services.links.add(who.as_annotator(valid), who.name)
    return {"read": len(valid), "created": result.created, "duplicates": result.duplicates}


@router.get("/v1/links/{link_id}", response_model=StoredLinkOut, responses=_ONE_ERRORS, summary="One stored link")
def get_link(link_id: int = LinkId, services: Services = Depends(get_services)) -> dict[str, Any]:
    return services.links.get(link_id)


@router.patch("/v1/links/{link_id}", response_model=StoredLinkOut, responses=_ONE_ERRORS,
              summary="Change a link's type or target")
def change_link(body: LinkChange, link_id: int = LinkId, services: Services = Depends(get_services),
                who: Principal = WRITE) -> dict[str, Any]:
    """The same link, changed in place (its id stays; ``updated_at``/``updated_by`` say when and who).
    An annotator changes only their own links, an admin any."""
    return services.links.update(link_id, body.changes(), who.name, admin=who.can("admin"))


@router.delete("/v1/links/{link_id}", status_code=204, responses=_ONE_ERRORS, summary="Delete a link",
               response_class=Response)
def delete_link(link_id: int = LinkId, services: Services = Depends(get_services),
                who: Principal = WRITE) -> Response:
    """An annotator deletes only their own links, an admin any."""
    services.links.delete(link_id, who.name, admin=who.can("admin"))
    return Response(status_code=204)
