"""Everything one app instance owns, built by create_app and reached through
``request.app.state.services``: no module-level mutable state."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from anyio import CapacityLimiter
from fastapi import HTTPException, Request

from facedex.engine import Engine
from facedex.service.analysis import PhotoAnalyzer
from facedex.service.audit import AuditLog
from facedex.service.jobs import IngestJobs
from facedex.service.keys import KeyStore, Principal, Role
from facedex.service.limits import Gate, RateLimiter
from facedex.service.metrics import Metrics
from facedex.service.settings import ServiceSettings
from facedex.service.shares import QueryCache, ShareStore


@dataclass
class Services:
    engine: Engine
    settings: ServiceSettings
    keys: KeyStore
    limiter: RateLimiter
    gate: Gate
    analyzer: PhotoAnalyzer
    shares: ShareStore
    queries: QueryCache
    audit: AuditLog
    jobs: IngestJobs
    metrics: Metrics
    # few threads for index searches: more only fight over the GIL and the index lock
    index_limiter: CapacityLimiter = field(default_factory=lambda: CapacityLimiter(2))
    started: float = field(default_factory=time.time)


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


ANONYMOUS = Principal(name="anonymous", role=None)


def principal(request: Request) -> Principal:
    """The caller from ``Authorization: Bearer <key>`` or ``X-API-Key``; a wrong key is
    a 401 (never silently anonymous)."""
    key = request.headers.get("x-api-key")
    auth = request.headers.get("authorization", "")
    if not key and auth.lower().startswith("bearer "):
        key = auth[7:].strip()
    if not key:
        return ANONYMOUS
    who = services(request).keys.lookup(key)
    if who is None:
        raise HTTPException(401, "unknown API key")
    return who


def client_id(request: Request, who: Principal) -> str:
    if who.role is not None:
        return "key:" + who.name
    return "ip:" + (request.client.host if request.client else "unknown")


def require(request: Request, role: Role, cost: float = 1.0) -> Principal:
    """Check the role (search may be open by config) and charge the client's rate limit."""
    svc = services(request)
    who = principal(request)
    open_search = role == Role.SEARCH and svc.settings.search_open
    if not open_search and not who.can(role):
        if who.role is None:
            raise HTTPException(
                401,
                f"this needs an API key with the {role.value} role "
                "(send it as 'Authorization: Bearer <key>')",
            )
        raise HTTPException(403, f"key {who.name!r} lacks the {role.value} role")
    svc.limiter.take(client_id(request, who), cost)
    return who


async def search_access(request: Request) -> Principal:
    """A dependency; async so FastAPI does not hop to a thread for a dict lookup."""
    return require(request, Role.SEARCH)


async def admin_access(request: Request) -> Principal:
    return require(request, Role.ADMIN)
