"""Ingest throughput end to end (list, read, decode, detect, align, embed, store, index).

python -m bench.bench_ingest /tmp/photos-600 --workers 2 --repeats 3
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import facedex
from bench.common import median, record


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    rates, faces, n = [], 0, 0
    for _ in range(a.repeats):
        lib = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
        eng = facedex.open(str(lib), workers=a.workers)
        st = eng.index_paths([a.folder])
        eng.close()
        rates.append(st.images_per_s)
        faces, n = st.faces, st.processed
        shutil.rmtree(lib)
    record(
        "ingest",
        {
            "folder": str(a.folder),
            "images": n,
            "faces": faces,
            "workers": a.workers,
            "images_per_s_runs": [round(r, 2) for r in rates],
            "images_per_s_median": round(median(rates), 2),
        },
    )


if __name__ == "__main__":
    main()
