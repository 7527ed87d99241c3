"""What routes share: the running services, built once in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request

from service.auth import require_token
from service.batcher import Batcher
from service.jobs import JobManager
from service.metrics import ServiceMetrics
from service.predictor import ActiveModel, Prediction
from service.registry import Registry
from service.settings import Settings
from service.store import AnnotationStore
from service.suggestions import SuggestionPool


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


def get_services(request: Request) -> Services:
    return request.app.state.services


# Attach to write routes: ``dependencies=[WRITE]``.
WRITE = Depends(require_token)
