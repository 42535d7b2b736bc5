"""POST /search: by uploaded photo, image URL, face id, or a cursor from a previous page."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Request

from facedex.errors import NoFaceError
from facedex.service.analysis import check_pixels
from facedex.service.fetch import fetch_image
from facedex.service.keys import Principal
from facedex.service.schemas import ErrorBody, MatchOut, QueryFace, SearchResponse
from facedex.service.state import Services, client_id, search_access, services
from facedex.service.upload import read_form
from facedex.types import Face, FloatArray, Match

router = APIRouter(tags=["search"])

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "image": {"type": "string", "format": "binary", "description": "Photo to search with"},
        "url": {"type": "string", "description": "Or: an http(s) URL of a photo"},
        "face_id": {"type": "integer", "description": "Or: an indexed face's id"},
        "cursor": {"type": "string", "description": "Or: next_cursor of a previous page"},
        "face": {
            "type": "string",
            "description": "Which face of the photo: index, 'largest' (default) or 'best'",
        },
        "k": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 20},
    },
}
PHOTO_SIZED = 32 * 1024  # bodies this big carry a photo, not just form fields
ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorBody} for s in (400, 401, 404, 410, 413, 415, 422, 429, 503)
}


def match_out(m: Match) -> MatchOut:
    return MatchOut(
        face_id=m.face_id,
        similarity=round(m.similarity, 4),
        same_person=m.same_person,
        image_id=m.image_id,
        crop_url=f"/faces/{m.face_id}/crop",
        source=m.source,
        page_url=m.page_url,
        caption=m.caption,
        box=[round(float(v), 1) for v in m.box],
        meta=m.meta,
    )


def query_face(i: int, f: Face) -> QueryFace:
    d = f.as_dict()
    return QueryFace(
        index=i, box=d["box"], landmarks=d["landmarks"], quality=d["quality"], score=d["score"]
    )


def resolve_query(svc: Services, token: str) -> tuple[FloatArray, set[int]]:
    """A query token names a face embedding: q-<cache>, f-<face id> or s-<share>."""
    kind, _, rest = token.partition("-")
    if kind == "q":
        vec = svc.queries.get(rest)
        if vec is None:
            raise HTTPException(410, "this query has expired; search with the photo again")
        return vec, set()
    if kind == "f" and rest.isdigit():
        return svc.engine.face_vector(int(rest)), {int(rest)}
    if kind == "s":
        share = svc.shares.get(rest)
        if share is None:
            raise HTTPException(404, "this share link is unknown or has expired")
        return share.vector, set()
    raise HTTPException(400, "malformed query token or cursor")


def parse_int(
    fields: dict[str, str], name: str, default: int | None, lo: int, hi: int
) -> int | None:
    raw = fields.get(name)
    if raw is None or raw == "":
        return default
    try:
        v = int(raw)
    except ValueError:
        raise HTTPException(422, f"{name} must be an integer") from None
    if not lo <= v <= hi:
        raise HTTPException(422, f"{name} must be between {lo} and {hi}")
    return v


async def page(
    svc: Services,
    token: str,
    vec: FloatArray,
    k: int,
    offset: int,
    exclude: set[int],
    faces: list[QueryFace],
    chosen: int | None,
) -> SearchResponse:
    matches = await to_thread.run_sync(
        svc.engine.search_vector, vec, k, offset, exclude, limiter=svc.index_limiter
    )
    nxt = f"{token}:{offset + k}" if len(matches) == k else None
    return SearchResponse(
        query=token,
        faces=faces,
        chosen=chosen,
        matches=[match_out(m) for m in matches],
        next_cursor=nxt,
        threshold=svc.engine.threshold,
        model=svc.engine.model_name,
    )


async def analyze_photo(
    request: Request, svc: Services, who: Principal, data: bytes, charge: bool = True
) -> list[Face]:
    """Charge the photo cost, wait for an analysis slot (or shed), analyse with a timeout."""
    if charge:
        svc.limiter.take(client_id(request, who), svc.settings.photo_cost)
    check_pixels(data, svc.settings.max_pixels)
    svc.metrics.photo_queue.set(svc.gate.waiting)
    async with svc.gate.slot():
        try:
            return await asyncio.wait_for(svc.analyzer.faces(data), svc.settings.request_timeout_s)
        except TimeoutError:
            raise HTTPException(
                503,
                "analysing the photo took too long; try a smaller one",
                headers={"Retry-After": "2"},
            ) from None


def choose(faces: list[Face], face: str) -> int:
    if not faces:
        raise NoFaceError(
            "no face found in the photo; use one where a face is clearly "
            "visible (at least about 40 pixels across)"
        )
    if face in ("", "largest"):
        return 0
    if face == "best":
        return int(np.argmax([f.quality for f in faces]))
    if not face.lstrip("-").isdigit() or not 0 <= int(face) < len(faces):
        raise HTTPException(422, f"face must be 'largest', 'best' or 0..{len(faces) - 1}")
    return int(face)


@router.post(
    "/search",
    response_model=SearchResponse,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {"schema": FORM_SCHEMA},
                "application/x-www-form-urlencoded": {"schema": FORM_SCHEMA},
            },
        }
    },
)
async def search(request: Request, who: Principal = Depends(search_access)) -> SearchResponse:
    """Find the faces in a photo and the indexed faces most like the chosen one."""
    svc = services(request)
    if int(request.headers.get("content-length") or 0) > PHOTO_SIZED:
        svc.gate.check()  # a photo that could not even queue: refuse before reading it
    form = await read_form(request, "image", svc.settings.max_upload_bytes)
    f = form.fields
    k = parse_int(f, "k", 20, 1, svc.settings.max_k) or 20
    if f.get("cursor"):
        token, _, off = f["cursor"].rpartition(":")
        if not token or not off.isdigit() or int(off) > 100_000:
            raise HTTPException(400, "malformed cursor; use next_cursor from a response")
        vec, exclude = resolve_query(svc, token)
        return await page(svc, token, vec, k, int(off), exclude, [], None)
    face_id = parse_int(f, "face_id", None, 0, 2**62)
    if face_id is not None:
        token = f"f-{face_id}"
        vec, exclude = resolve_query(svc, token)
        return await page(svc, token, vec, k, 0, exclude, [], None)
    data = form.file
    if data is None and f.get("url"):
        s = svc.settings
        data = await fetch_image(
            f["url"],
            max_bytes=s.max_upload_bytes,
            timeout=s.url_timeout_s,
            allow_loopback=s.allow_loopback_urls,
        )
    if data is None:
        raise HTTPException(422, "send one of: image (a photo file), url, face_id or cursor")
    faces = await analyze_photo(request, svc, who, data)
    del data  # the photo is not kept beyond this point
    idx = choose(faces, f.get("face", "largest"))
    qvec = faces[idx].vector
    assert qvec is not None
    token = "q-" + svc.queries.put(qvec)
    return await page(
        svc, token, qvec, k, 0, set(), [query_face(i, x) for i, x in enumerate(faces)], idx
    )
