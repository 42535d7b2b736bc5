"""A local image + feed server for the download benchmarks, in its own process so it
does not share the client's core. Loopback only.

Serves /img/<n>.png (a unique PNG per n, ``side`` pixels square plus ``pad`` bytes of
padding) and /feed?after=c<k> (GitHub-style pages of ``per_page`` items).
"""

from __future__ import annotations

import io
import json
import multiprocessing as mp
import socket
import struct
import zlib
from pathlib import Path
from typing import Any

from aiohttp import web
from PIL import Image


def tiny_png(n: int, w: int = 4, pad: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, w), (n % 256, (n // 256) % 256, (n // 65536) % 256)).save(buf, "PNG")
    png = buf.getvalue()
    if not pad:
        return png
    body = b"\x00" * pad
    chunk = (
        struct.pack(">I", pad)
        + b"paDd"
        + body
        + struct.pack(">I", zlib.crc32(b"paDd" + body) & 0xFFFFFFFF)
    )
    return png[:-12] + chunk + png[-12:]


def _app(
    items: int, per_page: int, side: int, pad: int, photos: str | None = None
) -> web.Application:
    files = sorted(Path(photos).glob("*.jpg")) if photos else []

    async def img(req: web.Request) -> web.Response:
        n = int(req.match_info["n"])
        if files:  # real photos, read per request as a web server would
            return web.Response(body=files[n % len(files)].read_bytes(), content_type="image/jpeg")
        return web.Response(body=tiny_png(n, side, pad), content_type="image/png")

    async def feed(req: web.Request) -> web.Response:
        cur = req.query.get("after", "")
        k = int(cur[1:]) if cur.startswith("c") else 0
        lo, hi = k * per_page, min(items, (k + 1) * per_page)
        host = req.host
        edges = [
            {"node": {"id": str(n), "url": f"http://{host}/img/{n}.png"}} for n in range(lo, hi)
        ]
        more = hi < items
        doc = {
            "data": {
                "edges": edges,
                "page_info": {"has_next_page": more, "end_cursor": f"c{k + 1}" if more else None},
            }
        }
        return web.Response(text=json.dumps(doc), content_type="application/json")

    app = web.Application()
    app.router.add_get("/img/{n}.png", img)
    app.router.add_get("/feed", feed)
    return app


def _serve(
    sock: socket.socket, items: int, per_page: int, side: int, pad: int, photos: str | None
) -> None:
    web.run_app(_app(items, per_page, side, pad, photos), sock=sock, print=None, access_log=None)


def start(
    items: int = 10_000,
    per_page: int = 100,
    side: int = 4,
    pad: int = 0,
    photos: str | None = None,
) -> tuple[Any, str]:
    """Start the server process; returns it and its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    port = sock.getsockname()[1]
    p = mp.get_context("fork").Process(
        target=_serve, args=(sock, items, per_page, side, pad, photos), daemon=True
    )
    p.start()
    sock.close()
    return p, f"http://127.0.0.1:{port}"
