"""What routes share: the running services, built once in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request

from argmine.service.auth import require_admin, require_annotator
from argmine.service.batcher import Batcher
from argmine.service.jobs import JobManager
from argmine.service.link_store import LinkStore
from argmine.service.metrics import ServiceMetrics
from argmine.service.predictor import ActiveModel, Prediction
from argmine.service.registry import Registry
from argmine.service.settings import Settings
from argmine.service.store import AnnotationStore
from argmine.service.suggestions import SuggestionPool
from argmine.service.tokens import Principal, TokenStore


@dataclass
class Services:
    settings: Settings
    token: str
    metrics: ServiceMetrics
    store: AnnotationStore
    registry: Registry
    model: ActiveModel
    batcher: Batcher[Prediction]
    jobs: JobManager
    suggestions: SuggestionPool
    tokens: TokenStore
    links: LinkStore


def get_services(request: Request) -> Services:
    return request.app.state.services


# Attach to write routes: ``dependencies=[WRITE]`` (annotators and admins) or ``[ADMIN]``;
# a route that records who wrote takes ``who: Principal = WRITE`` instead.
WRITE = Depends(require_annotator)
ADMIN = Depends(require_admin)

__all__ = ["ADMIN", "WRITE", "Principal", "Services", "get_services"]
