"""Retraining: start a job, follow it, cancel it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Response

from argmine.service.deps import ADMIN, Principal, Services, get_services
from argmine.service.schemas import ErrorOut, JobOut, JobsOut, TrainRequest

router = APIRouter(tags=["training"])


@router.post("/v1/train", status_code=202, response_model=JobOut,
             responses={code: {"model": ErrorOut} for code in (401, 403, 409, 422)},
             summary="Retrain on the corpus plus every stored annotation")
async def train(response: Response, body: TrainRequest | None = None,
                services: Services = Depends(get_services), who: Principal = ADMIN) -> dict[str, Any]:
    """Runs in a separate process; the service keeps answering. The new model is
    activated only if it is not worse than the active one on the fixed evaluation
    split (mean macro-F1 of the three heads), unless ``force`` is true. One job at
    a time across every replica: 409 while another runs. Needs an admin token."""
    body = body or TrainRequest()
    job = await services.jobs.start(force=body.force, overrides=body.overrides(), by=who.name)
    response.headers["Location"] = f"/v1/jobs/{job['id']}"
    return job


@router.get("/v1/jobs", response_model=JobsOut, summary="Recent training jobs, newest first")
def list_jobs(limit: int = Query(20, ge=1, le=200), services: Services = Depends(get_services)) -> dict[str, Any]:
    return {"jobs": services.jobs.recent(limit)}


@router.get("/v1/jobs/{job_id}", response_model=JobOut, responses={404: {"model": ErrorOut}},
            summary="Status, progress, and the new model's metrics beside the active one's")
def get_job(job_id: str, services: Services = Depends(get_services)) -> dict[str, Any]:
    return services.jobs.get(job_id)


@router.post("/v1/jobs/{job_id}/cancel", response_model=JobOut,
             responses={code: {"model": ErrorOut} for code in (401, 403, 404, 409)}, summary="Stop a running job")
async def cancel_job(job_id: str, services: Services = Depends(get_services),
                     who: Principal = ADMIN) -> dict[str, Any]:
    """Kills the training process; the active model stays as it is."""
    return await services.jobs.cancel(job_id, by=who.name)
