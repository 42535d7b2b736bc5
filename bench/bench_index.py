"""ANN index benchmark: usearch vs hnswlib on random 128-d unit vectors (the hard case).

Build time, search p50/p99 (one query at a time, one thread, as the server does),
recall@10 against exact search, and memory per vector.

    python bench/bench_index.py --n 100000 --queries 1000
    python bench/bench_index.py --n 1000000 --queries 1000 --backends usearch
"""

from __future__ import annotations

import argparse
import gc
import time

import numpy as np

from bench.common import median, percentile, record, rss_mb
from facedex.index import open_index


def unit(n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, d), np.float32)
    for i in range(0, n, 100_000):
        v = rng.standard_normal((min(100_000, n - i), d)).astype(np.float32)
        out[i : i + len(v)] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def exact(base: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    out = []
    for i in range(0, len(q), 100):
        s = q[i : i + 100] @ base.T
        out.append(np.argsort(-s, axis=1)[:, :k])
    return np.concatenate(out)


def run(
    backend: str,
    base: np.ndarray,
    q: np.ndarray,
    truth: np.ndarray,
    m: int,
    efc: int,
    ef: int,
    dtype: str,
    repeats: int,
) -> dict[str, float]:
    gc.collect()
    before = rss_mb()
    kw = {"dtype": dtype} if backend == "usearch" else {}
    idx = open_index(
        backend, base.shape[1], m=m, ef_construction=efc, ef_search=ef, exact_below=0, **kw
    )
    t = time.perf_counter()
    for i in range(0, len(base), 50_000):
        idx.add(np.arange(i, min(i + 50_000, len(base))), base[i : i + 50_000])
    build = time.perf_counter() - t
    mem = rss_mb() - before
    p50s, p99s, recalls = [], [], []
    for _ in range(repeats):
        lat, hits = [], 0
        for j in range(len(q)):
            t = time.perf_counter()
            ids, _ = idx.search(q[j : j + 1], 10)
            lat.append((time.perf_counter() - t) * 1000)
            hits += len(set(ids[0].tolist()) & set(truth[j].tolist()))
        p50s.append(percentile(lat, 50))
        p99s.append(percentile(lat, 99))
        recalls.append(hits / (10 * len(q)))
    return {
        "build_s": round(build, 1),
        "p50_ms": round(median(p50s), 3),
        "p99_ms": round(median(p99s), 3),
        "recall_at_10": round(median(recalls), 4),
        "rss_mb": round(mem, 1),
        "bytes_per_vector": round(mem * 2**20 / len(base)),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--backends", default="usearch,hnswlib")
    ap.add_argument("--m", type=int, default=32)
    ap.add_argument("--efc", type=int, default=200)
    ap.add_argument("--ef", type=int, default=256)
    ap.add_argument("--dtype", default="f16")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    base, q = unit(a.n, a.dim, 0), unit(a.queries, a.dim, 1)
    truth = exact(base, q, 10)
    for b in a.backends.split(","):
        res = run(b, base, q, truth, a.m, a.efc, a.ef, a.dtype, a.repeats)
        record(
            "index",
            {
                "backend": b,
                "n": a.n,
                "dim": a.dim,
                "m": a.m,
                "efc": a.efc,
                "ef": a.ef,
                "dtype": a.dtype if b == "usearch" else "f32",
                **res,
            },
        )


if __name__ == "__main__":
    main()
