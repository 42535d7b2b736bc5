"""The app factory: one engine, one settings object, everything else built here and hung
on ``app.state.services``; nothing global, so tests can build as many apps as they like."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from facedex.engine import Engine
from facedex.service import errors
from facedex.service.analysis import InProcessAnalyzer, PhotoAnalyzer, ProcessPoolAnalyzer
from facedex.service.audit import AuditLog
from facedex.service.jobs import IngestJobs, Job
from facedex.service.keys import KeyStore
from facedex.service.limits import Gate, RateLimiter
from facedex.service.metrics import Metrics
from facedex.service.middleware import ServiceMiddleware
from facedex.service.routes import admin, catalog, pages, privacy, search
from facedex.service.routes.pages import STATIC
from facedex.service.settings import ServiceSettings
from facedex.service.shares import QueryCache, ShareStore
from facedex.service.state import Services


def build_services(
    engine: Engine, settings: ServiceSettings, keys: KeyStore | None = None
) -> Services:
    """Open the index now (not on the first request) and wire the parts together."""
    _ = engine.index
    metrics = Metrics()
    analyzer: PhotoAnalyzer = (
        ProcessPoolAnalyzer(engine.settings, settings.analysis_workers)
        if settings.analysis_workers > 0
        else InProcessAnalyzer(engine)
    )

    def job_changed(job: Job) -> None:
        metrics.set_ingest(job.state == "running", job.stats)

    return Services(
        engine=engine,
        settings=settings,
        keys=keys if keys is not None else KeyStore.load(settings.keys_file),
        limiter=RateLimiter(settings.rate_per_s, settings.rate_burst),
        gate=Gate(analyzer.slots, settings.photo_queue, settings.queue_timeout_s),
        analyzer=analyzer,
        shares=ShareStore(engine.catalog.path, settings.share_ttl_s),
        queries=QueryCache(settings.query_cache_size, settings.query_ttl_s),
        audit=AuditLog(engine.root / "audit.jsonl"),
        jobs=IngestJobs(engine, workers=max(2, engine.settings.workers), on_change=job_changed),
        metrics=metrics,
    )


def create_app(
    engine: Engine, settings: ServiceSettings | None = None, keys: KeyStore | None = None
) -> FastAPI:
    """A ready FastAPI app serving ``engine``. ``keys`` overrides ``settings.keys_file``."""
    settings = settings or ServiceSettings()
    svc = build_services(engine, settings, keys)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        svc.jobs.wait(timeout=60)
        svc.analyzer.close()
        svc.shares.close()
        engine.index.save()

    # /docs and /redoc with their assets served from the installed package, not a CDN:
    # the API docs must work on a machine with no internet, like everything else here.
    app = FastAPIOffline(
        title="facedex",
        version="0.1.0",
        lifespan=lifespan,
        description="Face search over a self-hosted library. Errors are JSON "
        "`{error, message}`; 429/503 carry Retry-After.",
    )
    app.state.services = svc
    errors.install(app)
    for module in (search, catalog, privacy, admin, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(
        ServiceMiddleware,
        metrics=svc.metrics,
        max_body=settings.max_upload_bytes + 64 * 1024,
        max_inflight=settings.max_inflight,
    )
    return app
