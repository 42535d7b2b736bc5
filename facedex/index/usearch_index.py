"""usearch HNSW index (the default: chosen on bench/bench_index.py figures).

Below ``exact_below`` vectors a brute-force scan is as fast as the graph and exact, so
search switches to it there. Removal is real: a removed key is gone from results at once.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from facedex.types import FloatArray


def _usearch_index_class() -> type:
    """Import usearch, loading onnxruntime first.

    With usearch 2.26 (its SIMD library, numkong) loaded before onnxruntime, creating an
    onnxruntime session segfaults the process; in the other order both work. Any process
    that may later use an ONNX model therefore loads onnxruntime before usearch.
    tests/test_index.py::test_usearch_then_onnxruntime_does_not_crash guards this.
    """
    with contextlib.suppress(ImportError):
        import onnxruntime  # noqa: F401
    from usearch.index import Index

    return Index


class UsearchIndex:
    def __init__(
        self,
        dim: int,
        *,
        m: int = 32,
        ef_construction: int = 200,
        ef_search: int = 256,
        exact_below: int = 20_000,
        dtype: str = "f16",
    ) -> None:
        Index = _usearch_index_class()

        self.dim = dim
        self.exact_below = exact_below
        self._index = Index(
            ndim=dim,
            metric="ip",
            dtype=dtype,
            connectivity=m,
            expansion_add=ef_construction,
            expansion_search=ef_search,
        )

    def add(self, ids: np.ndarray, vectors: FloatArray) -> None:
        if len(ids) == 0:
            return
        self._index.add(
            np.asarray(ids, dtype=np.uint64),
            np.ascontiguousarray(vectors, dtype=np.float32),
            threads=2,
        )

    def remove(self, ids: np.ndarray) -> None:
        for i in np.asarray(ids, dtype=np.uint64):
            if int(i) in self._index:
                self._index.remove(int(i))

    def search(self, queries: FloatArray, k: int) -> tuple[np.ndarray, FloatArray]:
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        n = len(self._index)
        if n == 0:
            return (np.full((len(q), k), -1, np.int64), np.zeros((len(q), k), np.float32))
        res = self._index.search(q, min(k, n), exact=n < self.exact_below, threads=1)
        keys = np.atleast_2d(np.asarray(res.keys)).astype(np.int64)
        dist = np.atleast_2d(np.asarray(res.distances)).astype(np.float32)
        counts = (
            np.atleast_1d(np.asarray(res.counts))
            if hasattr(res, "counts")
            else np.asarray([len(res.keys)])
        )
        ids = np.full((len(q), k), -1, np.int64)
        sims = np.zeros((len(q), k), np.float32)
        for r in range(len(q)):
            c = int(counts[r])
            ids[r, :c] = keys[r, :c]
            sims[r, :c] = 1.0 - dist[r, :c]  # usearch "ip" distance is 1 - dot
        return ids, sims

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, face_id: int) -> bool:
        return int(face_id) in self._index

    def save(self, path: Path) -> None:
        self._index.save(str(path))

    def load(self, path: Path) -> None:
        self._index.load(str(path))

    def memory_bytes(self) -> int:
        return int(self._index.memory_usage)
