"""End to end from a local paginated feed: download -> decode -> detect -> embed -> store.

python -m bench.bench_feed --items 20000 --side 4 --repeats 3     # pipeline overhead
python -m bench.bench_feed --items 1000 --side 96 --repeats 3     # every image detected
python -m bench.bench_feed --items 600 --photos /tmp/photos-600 --workers 2   # real photos

``--side 4`` images are refused by the decoder as too small (no model time), which
measures everything around the models; larger sides run the detector on every image.
Memory is sampled every 500 images: a flat line is the point.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import facedex
from bench.common import median, peak_rss_mb, record, rss_mb
from bench.feed_server import start
from facedex.sources.download import DownloadOptions
from facedex.sources.feed import FeedConfig
from facedex.sources.run import crawl


def run_once(base: str, items: int, workers: int) -> dict[str, Any]:
    cfg = FeedConfig.from_dict(
        {
            "name": "bench",
            "url": base + "/feed?after={cursor}",
            "paths": {
                "items": "data.edges",
                "image_url": "node.url",
                "id": "node.id",
                "next_cursor": "data.page_info.end_cursor",
                "has_more": "data.page_info.has_next_page",
            },
        }
    )
    lib = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    eng = facedex.open(str(lib), workers=workers)
    _ = eng.index, eng.analyzer  # model load is not ingest time
    samples: list[float] = []

    def progress(st: Any, rec: Any) -> None:
        if rec is not None and st.processed % 500 == 0:
            samples.append(rss_mb())

    opts = DownloadOptions(allow_loopback=True, per_host_rate=None)
    t0 = time.perf_counter()
    res = crawl(eng, cfg, opts, workers=workers, on_progress=progress)
    dt = time.perf_counter() - t0
    eng.close()
    shutil.rmtree(lib, ignore_errors=True)
    assert res.stats.processed == items, res.as_dict()
    return {
        "images_per_s": items / dt,
        "rss_samples_mb": samples,
        "errors": res.stats.errors,
        "faces": res.stats.faces,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--side", type=int, default=4, help="image side in pixels")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--photos", default=None, help="serve these JPEGs (e.g. /tmp/photos-600)")
    a = ap.parse_args()
    server, base = start(items=a.items, side=a.side, photos=a.photos)
    time.sleep(1.0)
    try:
        runs = [run_once(base, a.items, a.workers) for _ in range(a.repeats)]
    finally:
        server.terminate()
    rates = [r["images_per_s"] for r in runs]
    s = runs[-1]["rss_samples_mb"]
    record(
        "feed",
        {
            "items": a.items,
            "side": a.side,
            "photos": a.photos,
            "workers": a.workers,
            "images_per_s_median": round(median(rates), 1),
            "images_per_s_runs": [round(r, 1) for r in rates],
            "rss_mb_first_sample": round(s[0], 1) if s else None,
            "rss_mb_last_sample": round(s[-1], 1) if s else None,
            "rss_mb_max_sample": round(max(s), 1) if s else None,
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "outcomes": runs[-1]["errors"],
            "faces": runs[-1]["faces"],
        },
    )


if __name__ == "__main__":
    main()
