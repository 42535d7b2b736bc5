"""A local HTTP server on 127.0.0.1 that plays a feed host, with injectable faults.

Every request is logged server-side (time, path, query, User-Agent), so politeness is
measured where it matters. Nothing here talks to any other address.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from tests.images import png_bomb_bytes

Handler = Callable[["_Req"], None]


@dataclass
class Hit:
    t: float
    path: str
    query: dict[str, list[str]]
    user_agent: str


@dataclass
class FeedServer:
    """Routes are ``path -> handler(req)``; ``req.send(...)`` answers."""

    port: int = 0
    routes: dict[str, Handler] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def bytes(
        self,
        path: str,
        data: bytes,
        ctype: str = "image/jpeg",
        headers: dict[str, str] | None = None,
    ) -> str:
        return self.add(path, lambda r: r.send(200, data, ctype, headers))

    def hits_for(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == path]


class _Req(BaseHTTPRequestHandler):
    server_version = "FeedServer/1"
    protocol_version = "HTTP/1.1"
    srv: FeedServer

    def log_message(self, *a: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        srv = self.server.feed  # type: ignore[attr-defined]
        with srv.lock:
            srv.hits.append(
                Hit(
                    time.monotonic(),
                    parts.path,
                    parse_qs(parts.query),
                    self.headers.get("User-Agent", ""),
                )
            )
            srv.counts[parts.path] = srv.counts.get(parts.path, 0) + 1
            self.n = srv.counts[parts.path]
        self.query = parse_qs(parts.query)
        handler = srv.routes.get(parts.path)
        try:
            if handler is None:
                self.send(404, b"not found", "text/plain")
            else:
                handler(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send(
        self,
        status: int,
        body: bytes = b"",
        ctype: str = "application/octet-stream",
        headers: dict[str, str] | None = None,
        length: int | None = None,
        no_length: bool = False,
    ) -> None:
        """``length`` lies about Content-Length (a truncated body); ``no_length`` sends none
        and closes the connection to end the body."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if not no_length:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length is not None or no_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on purpose (too large, timeouts) are not errors here


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feed = FeedServer()
    httpd = _Server(("127.0.0.1", 0), _Req)
    httpd.feed = feed  # type: ignore[attr-defined]
    feed.port = httpd.server_address[1]
    feed.bytes("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield feed
    httpd.shutdown()
    httpd.server_close()


# -- test images --------------------------------------------------------------------
png_bomb = png_bomb_bytes  # one builder for the decompression-bomb PNG (tests/images.py)


def png(w: int, h: int, color: tuple[int, int, int] = (30, 160, 90)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, "PNG")
    return buf.getvalue()


def tiny_png(i: int) -> bytes:
    """Unique 4x4 images: decoded and refused as too_small, so no model time is spent."""
    return png(4, 4, (i % 256, (i // 256) % 256, (i // 65536) % 256))


def feed_pages(server: FeedServer, pages: list[list[dict[str, Any]]], path: str = "/feed") -> str:
    """Serve ``pages`` GitHub-style: ?after=<cursor>, page_info.{has_next_page,end_cursor}."""

    def handle(r: _Req) -> None:
        cur = (r.query.get("after") or [""])[0]
        n = int(cur[1:]) if cur.startswith("c") else 0
        if n >= len(pages):
            r.send(400, b'{"error": "bad cursor"}', "application/json")
            return
        has_next = n + 1 < len(pages)
        doc = {
            "data": {
                "edges": [{"node": it} for it in pages[n]],
                "page_info": {
                    "has_next_page": has_next,
                    "end_cursor": f"c{n + 1}" if has_next else None,
                },
            }
        }
        r.send(200, json.dumps(doc).encode(), "application/json")

    server.add(path, handle)
    return server.url(path) + "?after={cursor}"


def feed_toml(tmp: Path, url: str, name: str = "test", extra: str = "") -> Path:
    p = tmp / f"{name}.toml"
    p.write_text(f'''name = "{name}"
url = "{url}"
{extra}
[paths]
items = "data.edges"
image_url = "node.url"
id = "node.id"
page_url = "node.permalink"
caption = "node.caption"
next_cursor = "data.page_info.end_cursor"
has_more = "data.page_info.has_next_page"
meta = ["node.author"]
''')
    return p
