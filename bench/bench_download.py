"""Download stage alone: images/s and peak memory against a local server.

python -m bench.bench_download --items 5000 --repeats 3

The client is the real path (DownloadStream: robots.txt, address checks, per-host
politeness bookkeeping, bounded queue) with the rate limit off; only the consumer is
trivial. The server runs in another process (this box has 2 cores for both).
"""

from __future__ import annotations

import argparse
import time

from bench.common import median, peak_rss_mb, record, rss_mb
from bench.feed_server import start
from facedex.pipeline import Item
from facedex.sources.download import DownloadOptions, Fetcher
from facedex.sources.stream import DownloadStream, Sink


def run_once(base: str, items: int, concurrency: int, offset: int) -> dict[str, float]:
    opts = DownloadOptions(
        allow_loopback=True, per_host_rate=None, concurrency=concurrency, per_host=concurrency
    )

    async def produce(fetcher: Fetcher, sink: Sink) -> None:
        for n in range(offset, offset + items):
            if not await sink.submit(Item(source=f"{base}/img/{n}.png")):
                return

    stream = DownloadStream(produce, opts)
    t0 = time.perf_counter()
    ok = nbytes = 0
    for x in stream:
        if isinstance(x, Item) and x.data is not None:
            ok += 1
            nbytes += len(x.data)
    dt = time.perf_counter() - t0
    assert ok == items, f"only {ok} of {items} downloaded"
    return {"images_per_s": ok / dt, "seconds": dt, "bytes_per_image": nbytes / ok}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--pad", type=int, default=0, help="extra bytes per image")
    a = ap.parse_args()
    server, base = start(items=a.items * (a.repeats + 1), pad=a.pad)
    time.sleep(1.0)
    try:
        run_once(base, 200, a.concurrency, 10**6)  # warm-up
        runs = [run_once(base, a.items, a.concurrency, i * a.items) for i in range(a.repeats)]
    finally:
        server.terminate()
    rates = [r["images_per_s"] for r in runs]
    record(
        "download",
        {
            "items": a.items,
            "concurrency": a.concurrency,
            "bytes_per_image": round(runs[0]["bytes_per_image"]),
            "images_per_s_median": round(median(rates), 1),
            "images_per_s_runs": [round(r, 1) for r in rates],
            "rss_mb_end": round(rss_mb(), 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        },
    )


if __name__ == "__main__":
    main()
