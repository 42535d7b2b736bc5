"""Admin actions (admin key): ingest jobs, deletions, index rebuild, audit log. Each one
is written to the audit log with the key's name."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from facedex.service.keys import Principal
from facedex.service.schemas import Deleted, ErrorBody, Id, IngestRequest, JobOut, Rebuilt
from facedex.service.state import admin_access, services

router = APIRouter(tags=["admin"])
ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorBody} for s in (401, 403, 404, 409, 429, 501)
}


@router.post("/admin/ingest", response_model=JobOut, status_code=202, responses=ERRORS)
async def start_ingest(
    body: IngestRequest, request: Request, who: Principal = Depends(admin_access)
) -> JobOut:
    """Start indexing a folder on the server (or a URL list / feed where installed)."""
    svc = services(request)
    job = await run_in_threadpool(svc.jobs.start, body.kind, body.spec)
    svc.audit.write("ingest", who.name, job=job.id, kind=body.kind, spec=body.spec)
    return JobOut(**asdict(job))


@router.get("/admin/ingest", response_model=list[JobOut], responses=ERRORS)
async def list_ingests(request: Request, _: Principal = Depends(admin_access)) -> list[JobOut]:
    """Ingest jobs started since the server started, newest last."""
    return [JobOut(**asdict(j)) for j in services(request).jobs.jobs.values()]


@router.get("/admin/ingest/{job_id}", response_model=JobOut, responses=ERRORS)
async def ingest_progress(
    job_id: str, request: Request, _: Principal = Depends(admin_access)
) -> JobOut:
    """Progress of one ingest job: seen, processed, faces, failures, rate."""
    job = services(request).jobs.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no ingest job {job_id!r} (jobs are kept until restart)")
    return JobOut(**asdict(job))


@router.delete("/faces/{face_id}", response_model=Deleted, responses=ERRORS, tags=["admin"])
async def delete_face(
    face_id: Id, request: Request, who: Principal = Depends(admin_access)
) -> Deleted:
    """Erase one face: catalog row, crop and vector."""
    svc = services(request)
    n = await run_in_threadpool(svc.engine.delete_faces, [face_id])
    if n == 0:
        raise HTTPException(404, f"no face with id {face_id}")
    svc.audit.write("delete_face", who.name, face_id=face_id)
    return Deleted(deleted_faces=n)


@router.delete("/images/{image_id}", response_model=Deleted, responses=ERRORS, tags=["admin"])
async def delete_image(
    image_id: Id, request: Request, who: Principal = Depends(admin_access)
) -> Deleted:
    """Erase an image and all its faces."""
    svc = services(request)
    n = await run_in_threadpool(svc.engine.delete_image, image_id)
    svc.audit.write("delete_image", who.name, image_id=image_id, faces=n)
    return Deleted(deleted_faces=n)


@router.post("/admin/rebuild", response_model=Rebuilt, responses=ERRORS)
async def rebuild(request: Request, who: Principal = Depends(admin_access)) -> Rebuilt:
    """Rebuild the vector index from the catalog (after tuning index settings)."""
    svc = services(request)
    n = await run_in_threadpool(svc.engine.rebuild_index)
    svc.audit.write("rebuild", who.name, vectors=n)
    return Rebuilt(vectors=n)


@router.get("/admin/audit", responses=ERRORS)
async def audit(request: Request, _: Principal = Depends(admin_access)) -> list[dict[str, Any]]:
    """The last 100 audited actions."""
    return services(request).audit.tail(100)
