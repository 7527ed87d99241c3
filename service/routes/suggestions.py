"""GET /v1/suggestions: what to annotate next."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from argmine.service.deps import Services, get_services
from argmine.service.schemas import SuggestionsOut

router = APIRouter(tags=["annotations"])


@router.get("/v1/suggestions", response_model=SuggestionsOut, summary="The least certain recently labelled sentences")
def suggestions(n: int = Query(20, ge=1, le=500), services: Services = Depends(get_services)) -> dict[str, Any]:
    """Sentences from documents recently sent to ``/v1/label``, most uncertain first,
    leaving out those already annotated. Empty until something has been labelled;
    kept in memory, so a restart empties it."""
    return {"items": services.suggestions.top(n, exclude=services.store.annotated)}
