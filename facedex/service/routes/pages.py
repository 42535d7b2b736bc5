"""The web page, the opt-out page and share links: static HTML/CSS/JS, no build step."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parents[1] / "static"
router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(
        STATIC / name,
        media_type="text/html",
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": "default-src 'self'; img-src 'self'"
            " blob: data:; style-src 'self'; script-src 'self'",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get("/")
async def index() -> FileResponse:
    return _page("index.html")


@router.get("/s/{token}")
async def shared(token: str) -> FileResponse:
    return _page("index.html")


@router.get("/opt-out")
async def optout_page() -> FileResponse:
    return _page("optout.html")
