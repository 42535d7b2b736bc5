"""hnswlib HNSW index: the runner-up in bench/bench_index.py, kept as a configurable backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facedex.types import FloatArray


class HnswlibIndex:
    def __init__(
        self, dim: int, *, m: int = 32, ef_construction: int = 200, ef_search: int = 256
    ) -> None:
        import hnswlib

        self.dim = dim
        self._m, self._efc, self._ef = m, ef_construction, ef_search
        self._index = hnswlib.Index(space="ip", dim=dim)
        self._index.init_index(
            max_elements=1024, M=m, ef_construction=ef_construction, allow_replace_deleted=True
        )
        self._index.set_ef(ef_search)
        self._ids: set[int] = set()

    def add(self, ids: np.ndarray, vectors: FloatArray) -> None:
        if len(ids) == 0:
            return
        need = len(self._ids) + len(ids)
        if need > self._index.get_max_elements():
            self._index.resize_index(max(need, 2 * self._index.get_max_elements()))
        self._index.add_items(
            np.asarray(vectors, np.float32), np.asarray(ids, np.int64), replace_deleted=True
        )
        self._ids.update(int(i) for i in ids)

    def remove(self, ids: np.ndarray) -> None:
        for i in ids:
            if int(i) in self._ids:
                self._index.mark_deleted(int(i))
                self._ids.discard(int(i))

    def search(self, queries: FloatArray, k: int) -> tuple[np.ndarray, FloatArray]:
        q = np.atleast_2d(np.asarray(queries, np.float32))
        n = len(self._ids)
        out_ids = np.full((len(q), k), -1, np.int64)
        sims = np.zeros((len(q), k), np.float32)
        if n == 0:
            return out_ids, sims
        kk = min(k, n)
        self._index.set_ef(max(self._ef, kk))
        labels, dist = self._index.knn_query(q, k=kk)
        out_ids[:, :kk] = labels
        sims[:, :kk] = 1.0 - dist
        return out_ids, sims

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, face_id: int) -> bool:
        return int(face_id) in self._ids

    def save(self, path: Path) -> None:
        self._index.save_index(str(path))

    def load(self, path: Path) -> None:
        import hnswlib

        self._index = hnswlib.Index(space="ip", dim=self.dim)
        self._index.load_index(str(path), allow_replace_deleted=True)
        self._index.set_ef(self._ef)
        self._ids = set(int(i) for i in self._index.get_ids_list())
        # deleted labels are still listed by get_ids_list: the synced wrapper reconciles
