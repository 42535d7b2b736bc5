"""ANN index benchmark: usearch vs hnswlib.

Build time, search p50/p99 (one query at a time, one thread, as the server does),
recall@10 against exact search, and memory per vector. Vectors are random 128-d unit
vectors (the hardest case: no structure) or, with --clustered, identity clusters that
behave more like real face embeddings.

    python -m bench.bench_index --n 100000 --queries 1000 --sweep 512,1024
    python -m bench.bench_index --n 1000000 --backends usearch --repeats 1
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

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


def clustered(n: int, d: int, n_centres: int, seed: int) -> np.ndarray:
    """Each vector a centre plus noise (two samples of one centre have cosine ~0.9, like two
    photos of one person). Centres depend only on n_centres, so probes drawn with another
    seed are new photos of the same people."""
    centres = unit(n_centres, d, 12345)
    rng = np.random.default_rng(seed)
    out = np.empty((n, d), np.float32)
    for i in range(0, n, 100_000):
        m = min(100_000, n - i)
        v = centres[rng.integers(0, n_centres, m)]
        v = v + rng.standard_normal((m, d)).astype(np.float32) * (0.33 / np.sqrt(d))
        out[i : i + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def exact(base: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    out = []
    for i in range(0, len(q), 100):
        s = q[i : i + 100] @ base.T
        out.append(np.argsort(-s, axis=1)[:, :k])
    return np.concatenate(out)


def set_ef(idx: Any, ef: int) -> None:
    inner = idx._index
    if hasattr(inner, "set_ef"):  # hnswlib
        inner.set_ef(ef)
        idx._ef = ef
    else:  # usearch
        inner.expansion_search = ef


def measure(idx: Any, q: np.ndarray, truth: np.ndarray, repeats: int) -> dict[str, float]:
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
        "p50_ms": round(median(p50s), 3),
        "p99_ms": round(median(p99s), 3),
        "recall_at_10": round(median(recalls), 4),
    }


def run(backend: str, base: np.ndarray, q: np.ndarray, truth: np.ndarray, a: Any) -> dict:
    gc.collect()
    before = rss_mb()
    kw = {"dtype": a.dtype} if backend == "usearch" else {}
    idx = open_index(
        backend, base.shape[1], m=a.m, ef_construction=a.efc, ef_search=a.ef, exact_below=0, **kw
    )
    t = time.perf_counter()
    for i in range(0, len(base), 50_000):
        idx.add(np.arange(i, min(i + 50_000, len(base))), base[i : i + 50_000])
    build = time.perf_counter() - t
    mem = rss_mb() - before
    out: dict[str, Any] = {
        "build_s": round(build, 1),
        "rss_mb": round(mem, 1),
        "bytes_per_vector": round(mem * 2**20 / len(base)),
        "default_ef": measure(idx, q, truth, a.repeats),
    }
    for e in [int(x) for x in a.sweep.split(",") if x]:
        set_ef(idx, e)
        out[f"ef{e}"] = measure(idx, q, truth, a.repeats)
    return out


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
    ap.add_argument("--sweep", default="", help="also measure these ef values, e.g. 512,1024")
    ap.add_argument("--clustered", action="store_true", help="identity clusters, not uniform")
    a = ap.parse_args()
    if a.clustered:
        base = clustered(a.n, a.dim, max(1, a.n // 10), 0)
        q = clustered(a.queries, a.dim, max(1, a.n // 10), 1)
    else:
        base, q = unit(a.n, a.dim, 0), unit(a.queries, a.dim, 1)
    truth = exact(base, q, 10)
    for b in a.backends.split(","):
        res = run(b, base, q, truth, a)
        record(
            "index",
            {
                "backend": b,
                "n": a.n,
                "dim": a.dim,
                "clustered": a.clustered,
                "m": a.m,
                "efc": a.efc,
                "ef": a.ef,
                "dtype": a.dtype if b == "usearch" else "f32",
                **res,
            },
        )


if __name__ == "__main__":
    main()
