"""Probes, service info and Prometheus metrics."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from argmine.service.deps import Services, get_services
from argmine.service.metrics import CONTENT_TYPE

router = APIRouter(tags=["service"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="A model is loaded, the batcher runs and the database answers")
async def readyz(services: Services = Depends(get_services)) -> JSONResponse:
    problems = []
    if not services.model.ready:
        problems.append("no model loaded")
    if not services.batcher.running:
        problems.append("the batcher is not running")
    try:
        await anyio.to_thread.run_sync(services.store.ping)
    except Exception as exc:  # noqa: BLE001 - any database failure means not ready
        problems.append(f"the database does not answer: {type(exc).__name__}")
    if problems:
        return JSONResponse({"error": "not_ready", "detail": "; ".join(problems)}, status_code=503)
    return JSONResponse({"status": "ready", "model_version": services.model.version})


@router.get("/v1/info", summary="The active model and the limits requests must respect")
def info(services: Services = Depends(get_services)) -> dict[str, Any]:
    s = services.settings
    return {"model_version": services.model.version if services.model.ready else None,
            "limits": {"max_body_bytes": s.max_body_bytes, "max_documents": s.max_documents,
                       "max_chars": s.max_chars, "max_annotations": s.max_annotations,
                       "queue_size": s.queue_size},
            "batching": {"batch_tokens": s.batch_tokens, "batch_sentences": s.batch_sentences,
                         "max_wait_ms": s.max_wait_ms}}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(services: Services = Depends(get_services)) -> Response:
    if services.model.ready:  # read at scrape time: jobs switch models too
        services.metrics.set_model(services.model.version)
    return Response(services.metrics.render(), media_type=CONTENT_TYPE)
