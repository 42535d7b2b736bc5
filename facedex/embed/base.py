"""The embedder interface. An embedder also owns alignment: only it knows its template."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from facedex.types import Detection, FloatArray, UInt8Array


class Embedder(Protocol):
    """Turns faces into unit vectors.

    ``name`` is recorded with every vector; vectors of two names are never compared.
    ``threshold`` is the cosine similarity above which two faces are called the same person,
    calibrated for this model (see facedex/models/registry.py for how).
    """

    name: str
    dim: int
    threshold: float

    def align(
        self, pixels: UInt8Array, det: Detection
    ) -> tuple[UInt8Array, list[tuple[float, float]]]:
        """Aligned chip for the model, and the landmarks (pixel coords) used to align it."""
        ...

    def embed(self, chips: list[UInt8Array]) -> FloatArray:
        """(n, dim) float32, each row of unit length."""
        ...


def l2_normalise(v: FloatArray) -> FloatArray:
    v = np.asarray(v, dtype=np.float32)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.maximum(n, 1e-12)).astype(np.float32)
