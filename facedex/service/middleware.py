"""One small ASGI layer: refuse oversized bodies and overload early, count and time
every request by route template (never by raw path: ids would explode the metrics)."""

from __future__ import annotations

import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facedex.service.metrics import Metrics


async def _refuse(
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ServiceMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, max_body: int, max_inflight: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.max_inflight = max_inflight
        self.inflight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        headers = dict(scope["headers"])
        try:
            length = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            length = 0
        if length > self.max_body:
            self._count(scope, 413, start)
            await _refuse(
                send,
                413,
                "too_large",
                f"request body is {length} bytes, over the "
                f"{self.max_body} byte limit; send a smaller photo",
            )
            return
        if self.inflight >= self.max_inflight:
            self.metrics.shed.labels("inflight").inc()
            self._count(scope, 503, start)
            await _refuse(
                send,
                503,
                "overloaded",
                "the server is overloaded; try again shortly",
                [(b"retry-after", b"1")],
            )
            return

        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_body:  # chunked uploads have no content-length
                    raise BodyTooLarge()
            return msg

        async def send_status(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = int(msg["status"])
            await send(msg)

        self.inflight += 1
        try:
            await self.app(scope, limited_receive, send_status)
        except BodyTooLarge:
            status = 413
            await _refuse(
                send, 413, "too_large", f"request body is over the {self.max_body} byte limit"
            )
        finally:
            self.inflight -= 1
            self._count(scope, status, start)

    def _count(self, scope: Scope, status: int, start: float) -> None:
        route = scope.get("route")
        name = getattr(route, "path", None) or "unmatched"
        self.metrics.requests.labels(scope["method"], name, str(status)).inc()
        self.metrics.latency.labels(name).observe(time.perf_counter() - start)


class BodyTooLarge(Exception):
    """Raised mid-stream when a body without content-length grows past the limit."""
