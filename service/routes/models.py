"""Model versions: list them, switch the active one (rollback is switching back)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from argmine.service.deps import ADMIN, Principal, Services, get_services
from argmine.service.registry import summarize, summarize_twin
from argmine.service.schemas import ActivateOut, ErrorOut, ModelsOut

router = APIRouter(tags=["models"])


@router.get("/v1/models", response_model=ModelsOut, summary="Model versions with their metrics")
def list_models(services: Services = Depends(get_services)) -> dict[str, Any]:
    active = services.model.version
    return {"active": active, "models": [
        {"version": m.version, "shipped": m.shipped, "active": m.version == active, "created": m.created,
         "metrics": summarize(m.metrics), "held_out": m.held_out,
         "twin": summarize_twin(m.metrics)} for m in services.registry.versions()]}


@router.post("/v1/models/{version}/activate", response_model=ActivateOut,
             responses={code: {"model": ErrorOut} for code in (401, 403, 404, 422)},
             summary="Serve another model version (activation or rollback)")
async def activate(version: str, services: Services = Depends(get_services),
                   who: Principal = ADMIN) -> dict[str, Any]:
    """Loads the version, then swaps it in: requests already in a forward pass finish on
    the model they started with. The choice persists across restarts. If the model
    cannot be loaded, nothing changes. Every replica serves it within ``model_poll_seconds``.
    Needs an admin token."""
    previous = await services.model.activate(version, by=who.name)
    return {"active": services.model.version, "previous": previous}
