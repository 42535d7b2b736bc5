"""Read-only views of the library: faces, crops, images, stats, health, metrics."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from facedex.errors import NotFoundError
from facedex.service.keys import Principal
from facedex.service.metrics import Metrics
from facedex.service.schemas import ErrorBody, FaceOut, Health, Id, ImageOut
from facedex.service.state import Services, search_access, services

router = APIRouter()
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody},
    401: {"model": ErrorBody},
    429: {"model": ErrorBody},
}


def image_out(svc: Services, image_id: int) -> ImageOut:
    img = svc.engine.catalog.image(image_id)
    ids = [f.id for f in svc.engine.catalog.faces_of(image_id)]
    return ImageOut(
        id=img.id,
        source=img.source,
        status=img.status,
        width=img.width,
        height=img.height,
        format=img.format,
        n_faces=len(ids),
        page_url=img.page_url,
        caption=img.caption,
        meta=img.meta,
        face_ids=ids,
    )


def face_out(svc: Services, face_id: int) -> FaceOut:
    f = svc.engine.catalog.face(face_id)
    return FaceOut(
        id=f.id,
        image_id=f.image_id,
        box=[round(float(v), 1) for v in f.box],
        landmarks=[[float(x), float(y)] for x, y in f.landmarks],
        quality=round(float(f.quality), 4),
        score=round(float(f.score), 4),
        model=f.model,
        crop_url=f"/faces/{f.id}/crop",
        image=image_out(svc, f.image_id),
    )


@router.get("/faces/{face_id}", response_model=FaceOut, responses=NOT_FOUND, tags=["library"])
async def get_face(face_id: Id, request: Request, _: Principal = Depends(search_access)) -> FaceOut:
    """One indexed face, with the image it came from."""
    return await run_in_threadpool(face_out, services(request), face_id)


@router.get(
    "/faces/{face_id}/crop",
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "JPEG crop of the face"},
        **NOT_FOUND,
    },
    response_class=Response,
    tags=["library"],
)
async def get_crop(
    face_id: Id, request: Request, _: Principal = Depends(search_access)
) -> Response:
    """The stored crop; gone as soon as the face is erased (so no shared caching)."""
    data = await run_in_threadpool(services(request).engine.catalog.thumb, face_id)
    if not data:
        raise NotFoundError(f"face {face_id} has no stored crop")
    return Response(
        data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"}
    )


@router.get("/images/{image_id}", response_model=ImageOut, responses=NOT_FOUND, tags=["library"])
async def get_image(
    image_id: Id, request: Request, _: Principal = Depends(search_access)
) -> ImageOut:
    """One indexed image: where it came from and its faces."""
    return await run_in_threadpool(image_out, services(request), image_id)


@router.get("/stats", tags=["library"])
async def stats(request: Request, _: Principal = Depends(search_access)) -> dict[str, object]:
    """Library counts: images by status, faces, index size, blocklist, runs."""
    st = await run_in_threadpool(services(request).engine.stats)
    st.pop("library", None)  # the server's file layout is not the client's business
    return st


@router.get("/healthz", response_model=Health, tags=["ops"])
async def healthz(request: Request) -> Health:
    """Liveness and readiness: answers once the index is loaded."""
    svc = services(request)
    return Health(faces=len(svc.engine.index), uptime_s=round(time.time() - svc.started, 1))


@router.get(
    "/metrics",
    response_class=Response,
    tags=["ops"],
    responses={200: {"content": {"text/plain": {}}}},
)
async def metrics(request: Request) -> Response:
    """Prometheus text format: requests, latencies, shedding, index size, ingest progress."""
    svc = services(request)

    def refresh(m: Metrics) -> None:
        m.index_vectors.set(len(svc.engine.index))
        m.photo_queue.set(svc.gate.waiting)
        m.ingest_running.set(1 if svc.jobs.running() else 0)

    def render() -> bytes:
        return svc.metrics.render(refresh)

    return Response(
        await run_in_threadpool(render), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
