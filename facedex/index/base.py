"""The vector index interface: a container of (face id -> unit vector) with top-k search."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from facedex.types import FloatArray


class VectorIndex(Protocol):
    """Inner-product search over unit vectors (so scores are cosine similarities)."""

    dim: int

    def add(self, ids: np.ndarray, vectors: FloatArray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(self, queries: FloatArray, k: int) -> tuple[np.ndarray, FloatArray]:
        """(ids, similarities), each (n_queries, k); missing slots have id -1."""
        ...

    def __len__(self) -> int: ...

    def __contains__(self, face_id: int) -> bool: ...

    def save(self, path: Path) -> None: ...

    def load(self, path: Path) -> None: ...


def open_index(
    backend: str,
    dim: int,
    *,
    m: int = 32,
    ef_construction: int = 200,
    ef_search: int = 256,
    exact_below: int = 20_000,
    dtype: str = "f16",
) -> VectorIndex:
    if backend == "usearch":
        from facedex.index.usearch_index import UsearchIndex

        return UsearchIndex(
            dim,
            m=m,
            ef_construction=ef_construction,
            ef_search=ef_search,
            exact_below=exact_below,
            dtype=dtype,
        )
    if backend == "hnswlib":
        from facedex.index.hnswlib_index import HnswlibIndex

        return HnswlibIndex(dim, m=m, ef_construction=ef_construction, ef_search=ef_search)
    if backend == "exact":
        from facedex.index.usearch_index import UsearchIndex

        return UsearchIndex(dim, m=m, exact_below=2**62)
    raise ValueError(f"unknown index backend {backend!r}; use usearch, hnswlib or exact")
