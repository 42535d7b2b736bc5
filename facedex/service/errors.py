"""Every error leaves as JSON ``{"error": code, "message": text}`` with a fitting status,
so clients can act on it; nothing of an uploaded photo goes into a message or a log."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from facedex.errors import FacedexError, ImageError, NoFaceError, NotFoundError
from facedex.service.fetch import FetchError
from facedex.service.jobs import JobBusy, SourceUnavailable
from facedex.service.limits import Overloaded

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    501: "not_implemented",
    503: "overloaded",
    504: "timeout",
}


def error(
    status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": code or CODES.get(status, "error"), "message": message},
        status_code=status,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, e: StarletteHTTPException) -> JSONResponse:
        return error(e.status_code, str(e.detail), headers=dict(e.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        parts = []
        for err in e.errors()[:5]:
            loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
            parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else err.get("msg", ""))
        return error(422, "; ".join(parts) or "invalid request")

    @app.exception_handler(Overloaded)
    async def overloaded(_: Request, e: Overloaded) -> JSONResponse:
        return error(e.status, e.message, headers={"Retry-After": str(e.retry_after)})

    @app.exception_handler(FetchError)
    async def fetch_error(_: Request, e: FetchError) -> JSONResponse:
        return error(e.status, str(e), "bad_url")

    @app.exception_handler(JobBusy)
    async def busy(_: Request, e: JobBusy) -> JSONResponse:
        return error(409, str(e), "busy")

    @app.exception_handler(SourceUnavailable)
    async def unavailable(_: Request, e: SourceUnavailable) -> JSONResponse:
        return error(501, str(e))

    @app.exception_handler(FileNotFoundError)
    async def missing(_: Request, e: FileNotFoundError) -> JSONResponse:
        return error(404, str(e))

    @app.exception_handler(FacedexError)
    async def facedex_error(_: Request, e: FacedexError) -> JSONResponse:
        if isinstance(e, NotFoundError):
            return error(404, str(e))
        if isinstance(e, NoFaceError):
            return error(422, str(e), "no_face")
        if isinstance(e, ImageError):
            big = e.code in ("too_large", "too_many_pixels")
            return error(413 if big else 400, str(e), e.code)
        return error(400, str(e), type(e).__name__)
