"""``create_app``: wiring only. Nothing heavy happens at import; the lifespan loads the model.

    uvicorn --factory service.app:create_app      (settings from ARGMINE_* variables)
    argmine serve                                 (the same, with CLI options)

Tests pass their own ``Settings`` (a tmp data dir) and a ``labeler_factory``
returning a fake model.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata

from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute

from argmine.models.paths import SHIPPED_MODELS
from argmine.service import errors, migrate, openapi, training_worker
from argmine.service.auth import resolve_token
from argmine.service.batcher import Batcher
from argmine.service.db import make_engine
from argmine.service.deps import Services
from argmine.service.jobs import JobManager
from argmine.service.leases import Leases
from argmine.service.metrics import ServiceMetrics
from argmine.service.middleware import AllowedMethods, BodyLimit, RequestMetrics
from argmine.service.predictor import ActiveModel, LabelerFactory, load_labeler
from argmine.service.registry import Registry
from argmine.service.link_store import LinkStore
from argmine.service.routes import agreement, annotations, health, jobs, label, links, models, suggestions, tokens, web
from argmine.service.settings import Settings
from argmine.service.state import SharedState
from argmine.service.store import AnnotationStore
from argmine.service.suggestions import SuggestionPool
from argmine.service.tokens import TokenStore
from argmine.service.training_worker import TrainWorker

log = logging.getLogger("argmine.service")


def _version() -> str:
    try:
        return metadata.version("argmine")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "0+unknown"


async def _follow_active_model(model: ActiveModel, every: float) -> None:
    """Switch when another replica activates a version; a database hiccup only delays it."""
    while True:
        await asyncio.sleep(every)
        try:
            await model.sync()
        except Exception:  # noqa: BLE001 - keep following; the next poll retries
            log.warning("could not read the active model version from the database", exc_info=True)


def documented_routes(app: FastAPI) -> list[tuple[str, set[str]]]:
    """Path template and methods of every route the OpenAPI document lists, read from the routes.

    FastAPI 0.16x nests included routers (``iter_route_contexts`` flattens them, as
    its OpenAPI builder does); older releases list ``APIRoute``s directly. Should a
    release hide them some other way, the (slow to build) document itself answers.
    """
    contexts = getattr(fastapi_routing, "iter_route_contexts", list)(app.routes)
    found = [(route.path_format, set(route.methods)) for route in contexts
             if isinstance(getattr(route, "original_route", route), APIRoute) and route.include_in_schema]
    if found:
        return found
    return [(path, set(item)) for path, item in app.openapi().get("paths", {}).items()]


def create_app(settings: Settings | None = None, labeler_factory: LabelerFactory | None = None,
               train_worker: TrainWorker | None = None) -> FastAPI:
    """The app; ``labeler_factory(path)`` loads a model directory (default: ``SentenceLabeler.load``).

    Training jobs use the same factory to score the active model, so it must be a
    module-level function (it crosses into the training process by pickling), as must
    ``train_worker``, what a job's process runs (default: ``training_worker.run``).
    """
    settings = settings or Settings()
    factory = labeler_factory or load_labeler
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.log()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        token = resolve_token(settings)
        engine = make_engine(settings.db_url)
        try:  # under a lock: replicas starting together migrate once; a newer schema is refused
            await asyncio.to_thread(migrate.upgrade, engine)
        except BaseException:
            engine.dispose()
            raise
        store = AnnotationStore(engine)
        # Serving a shipped model, the other shipped one (default/accurate) is listed beside it.
        shipped = list(SHIPPED_MODELS.values()) if settings.model_dir.resolve() in {
            p.resolve() for p in SHIPPED_MODELS.values()} else []
        registry = Registry(settings.models_dir, settings.model_dir, shipped=shipped)
        model = ActiveModel(registry, SharedState(engine), factory)
        batcher: Batcher = Batcher(model.predict_batch, max_queue=settings.queue_size,
                                   batch_tokens=settings.batch_tokens, max_batch=settings.batch_sentences,
                                   max_wait_ms=settings.max_wait_ms, on_batch=metrics.observe_batch)
        replica = uuid.uuid4().hex  # this process, as leases and job rows name it
        job_manager = JobManager(settings, store, registry, model, factory, Leases(engine, replica),
                                 worker=train_worker or training_worker.run)
        app.state.services = Services(settings, token, metrics, store, registry, model, batcher, job_manager,
                                      SuggestionPool(settings.suggestion_pool), TokenStore(engine),
                                      LinkStore(engine))
        follow: asyncio.Task | None = None
        switch_interval = sys.getswitchinterval()
        try:
            sys.setswitchinterval(settings.gil_switch_ms / 1000)
            await model.start()
            metrics.watch_queue(lambda: batcher.depth, lambda: batcher.waiting_sentences)
            await batcher.start()
            await job_manager.recover()
            follow = asyncio.create_task(_follow_active_model(model, settings.model_poll_seconds),
                                         name="argmine-follow-model")
            # What start-up built (the model, torch, tokenizers: often a million objects) lives
            # as long as the process; frozen, full collections stop walking it on every pass.
            gc.collect()
            gc.freeze()
            log.info("argmine service ready (replica %s): model %s, %d stored annotations", replica[:8],
                     model.version, store.count())
            yield
        finally:  # also after a failed start: no worker, process or connection outlives the app
            if follow is not None:
                follow.cancel()
                await asyncio.gather(follow, return_exceptions=True)
            await job_manager.shutdown()
            await batcher.stop()
            engine.dispose()
            gc.unfreeze()  # a process that builds another app (tests) lets cycles of this one be collected
            sys.setswitchinterval(switch_interval)

    app = FastAPI(title="argmine", version=_version(), lifespan=lifespan,
                  description="Policy-argument mining: claims, premises, stances and risks per sentence. "
                              "Writes need `Authorization: Bearer <token>`.")
    errors.install(app)
    openapi.install(app, settings)
    for module in (label, annotations, links, suggestions, agreement, models, jobs, tokens, health):
        app.include_router(module.router)
    web.install(app)  # the page at /
    app.add_middleware(AllowedMethods, routes=lambda: documented_routes(app))
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=metrics)  # added last = outermost: sees every answer, 413s included
    return app
