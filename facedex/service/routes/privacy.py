"""Opt-out and share links: the two things a person outside the operator does."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from facedex.service.keys import Principal
from facedex.service.routes.search import (
    ERRORS,
    FORM_SCHEMA,
    analyze_photo,
    choose,
    match_out,
    resolve_query,
)
from facedex.service.schemas import OptOutResult, SearchResponse, ShareOut, ShareRequest
from facedex.service.state import client_id, principal, search_access, services
from facedex.service.upload import read_form

router = APIRouter(tags=["privacy"])


@router.post(
    "/optout",
    response_model=OptOutResult,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["image"],
                        "properties": {"image": FORM_SCHEMA["properties"]["image"]},
                    }
                }
            },
        }
    },
)
async def optout(request: Request) -> OptOutResult:
    """Erase every indexed face of the person in the photo and keep them out of future
    ingests. Open to anyone: it can only remove, and only faces like the one sent."""
    svc = services(request)
    who = principal(request)
    svc.limiter.take(client_id(request, who), svc.settings.photo_cost)
    form = await read_form(request, "image", svc.settings.max_upload_bytes)
    if form.file is None:
        raise HTTPException(422, "send a photo of yourself as the 'image' field")
    data = form.file
    eng = svc.engine
    faces = await analyze_photo(request, svc, who, data, charge=False)
    del data  # the photo is not kept beyond this point
    vec = faces[choose(faces, "largest")].vector
    assert vec is not None
    result = await run_in_threadpool(eng.optout_vector, vec)
    gone = await run_in_threadpool(svc.shares.forget_person, vec, eng.model_name, eng.threshold)
    svc.queries.forget_person(vec, eng.threshold)
    svc.audit.write("optout", who.name, removed=result["removed"], shares_removed=gone)
    return OptOutResult(
        removed=result["removed"], blocklisted=result["blocklisted"], shares_removed=gone
    )


@router.post("/shares", response_model=ShareOut, status_code=201, responses=ERRORS)
async def create_share(
    body: ShareRequest, request: Request, _: Principal = Depends(search_access)
) -> ShareOut:
    """Make a short link that reopens a search's results. Keeps the query face's
    embedding and the result ids only, never the photo."""
    svc = services(request)
    vec, exclude = resolve_query(svc, body.query)
    count = min(body.count, svc.settings.share_max_results)
    matches = await run_in_threadpool(svc.engine.search_vector, vec, count, 0, exclude)
    share = await run_in_threadpool(
        svc.shares.create, vec, svc.engine.model_name, [(m.face_id, m.similarity) for m in matches]
    )
    return ShareOut(token=share.token, url=f"/s/{share.token}", expires_at=share.expires)


@router.get("/shares/{token}", response_model=SearchResponse, responses=ERRORS)
async def open_share(
    token: str, request: Request, _: Principal = Depends(search_access)
) -> SearchResponse:
    """The results a share link keeps (erased faces drop out), with a cursor for more."""
    svc = services(request)
    share = svc.shares.get(token)
    if share is None:
        raise HTTPException(404, "this share link is unknown or has expired")
    found = await run_in_threadpool(svc.engine.matches_for, list(share.results))
    matches = [match_out(m) for m in found]
    return SearchResponse(
        query=f"s-{token}",
        faces=[],
        chosen=None,
        matches=matches,
        next_cursor=f"s-{token}:{len(share.results)}",
        threshold=svc.engine.threshold,
        model=share.model,
    )
