"""A long feed keeps memory flat: downloads are bounded by the queue, not by the feed."""

from __future__ import annotations

import os
import struct
import time
import zlib
from pathlib import Path

import facedex
from facedex.sources.download import DownloadOptions
from facedex.sources.feed import load_feed_config
from facedex.sources.run import crawl
from tests.sources.conftest import FeedServer, feed_pages, feed_toml, tiny_png

PAGES, PER_PAGE, PAD = 25, 100, 200_000


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def padded(i: int, pad: bytes) -> bytes:
    """A 4x4 PNG carrying ~200 KB in a private chunk: heavy to hold, instant to decode."""
    png = tiny_png(i)
    chunk = (
        struct.pack(">I", len(pad))
        + b"quAk"
        + pad
        + struct.pack(">I", zlib.crc32(b"quAk" + pad) & 0xFFFFFFFF)
    )
    return png[:-12] + chunk + png[-12:]


def test_long_feed_memory_stays_flat(server: FeedServer, tmp_path: Path) -> None:
    pad = os.urandom(PAD)
    pages = []
    for p in range(PAGES):
        page = []
        for i in range(PER_PAGE):
            n = p * PER_PAGE + i
            url = server.add(f"/m/{n}.png", lambda r, n=n: r.send(200, padded(n, pad), "image/png"))
            page.append({"id": str(n), "url": url})
        pages.append(page)
    cfg = load_feed_config(feed_toml(tmp_path, feed_pages(server, pages), name="long"))
    eng = facedex.open(str(tmp_path / "lib"), workers=1)
    marks: dict[int, int] = {}

    def progress(st, rec):  # type: ignore[no-untyped-def]
        time.sleep(0.002)  # a consumer slower than the downloads: the queue must push back
        if st.processed >= 300 and st.processed % 100 == 0:
            marks[st.processed] = rss()

    opts = DownloadOptions(allow_loopback=True, per_host_rate=None, concurrency=32)
    res = crawl(eng, cfg, opts, workers=1, on_progress=progress)
    eng.close()
    assert res.stop_reason == "end" and res.stats.processed == PAGES * PER_PAGE
    assert res.stats.errors == {"too_small": PAGES * PER_PAGE}
    assert res.fetch is not None and res.fetch.bytes > PAGES * PER_PAGE * PAD
    growth = max(marks.values()) - marks[300]
    # everything buffered would be ~400 MB; the bounded queue holds 64 items (~13 MB)
    assert growth < 40 * 2**20, f"RSS grew {growth / 2**20:.1f} MB"
