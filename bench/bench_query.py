"""Query by photo end to end (decode, detect, align, embed, search), one at a time.

python -m bench.bench_query ../shared/faces/face_recognition/obama-1080p.jpg --n 30
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import facedex
from bench.common import median, percentile, record


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("photo", type=Path)
    ap.add_argument("--library", type=Path, default=None)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    eng = facedex.open(str(a.library or tempfile.mkdtemp()))
    data = a.photo.read_bytes()
    eng.search(data, k=10) if len(eng.index) else eng.faces(data)  # warm up: load models
    p50s, p99s = [], []
    for _ in range(a.repeats):
        lat = []
        for _ in range(a.n):
            t = time.perf_counter()
            if len(eng.index):
                eng.search(data, k=10)
            else:
                eng.faces(data)
            lat.append((time.perf_counter() - t) * 1000)
        p50s.append(percentile(lat, 50))
        p99s.append(percentile(lat, 99))
    record(
        "query_photo",
        {
            "photo": a.photo.name,
            "indexed_faces": len(eng.index),
            "p50_ms": round(median(p50s), 1),
            "p99_ms": round(median(p99s), 1),
        },
    )


if __name__ == "__main__":
    main()
