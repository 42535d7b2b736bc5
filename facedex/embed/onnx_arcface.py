"""ArcFace-style recognisers that users bring as ONNX (insightface's w600k_r50 and friends).

The model takes N x 3 x 112 x 112 RGB chips scaled to [-1, 1] ((x - 127.5) / 127.5, as
insightface's ArcFace models were trained) and returns (N, D); we L2-normalise the rows.
Chips are aligned by facedex.embed.align (see there for detectors without 5 keypoints).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from facedex.embed.align import CHIP, align_arcface
from facedex.embed.base import l2_normalise
from facedex.errors import ModelError
from facedex.models.store import open_session
from facedex.types import Detection, FloatArray, UInt8Array

INPUT_MEAN = 127.5
INPUT_STD = 127.5


class OnnxArcFaceEmbedder:
    """One onnxruntime CPU session, one thread; batches as large as the model allows."""

    def __init__(
        self,
        path: str | Path,
        name: str = "onnx",
        threshold: float = 0.35,
        dim: int | None = None,
        batch_size: int = 32,
    ) -> None:
        self.path = Path(path)
        self.name = name
        self.threshold = float(threshold)
        self._sess = open_session(self.path)
        inp = self._sess.get_inputs()[0]
        self._input = inp.name
        fixed = inp.shape[0] if isinstance(inp.shape[0], int) and inp.shape[0] > 0 else None
        self._batch = fixed or batch_size
        self._fixed_batch = fixed is not None
        self.dim = dim or self._probe_dim()
        self._lock = threading.Lock()

    def _probe_dim(self) -> int:
        x = np.zeros((self._batch if self._fixed_batch else 1, 3, CHIP, CHIP), np.float32)
        y = np.asarray(self._sess.run(None, {self._input: x})[0])
        if y.ndim != 2:
            raise ModelError(
                f"{self.path}: expected (N, D) output, got {y.shape}; "
                "is it an ArcFace-style embedder?"
            )
        return int(y.shape[1])

    def align(
        self, pixels: UInt8Array, det: Detection
    ) -> tuple[UInt8Array, list[tuple[float, float]]]:
        return align_arcface(pixels, det)

    def embed(self, chips: list[UInt8Array]) -> FloatArray:
        if not chips:
            return np.zeros((0, self.dim), np.float32)
        raw = np.stack([np.asarray(c, np.uint8)[:CHIP, :CHIP, :3] for c in chips])
        x = ((raw.astype(np.float32) - INPUT_MEAN) / INPUT_STD).transpose(0, 3, 1, 2)
        out = []
        for i in range(0, len(x), self._batch):
            part = x[i : i + self._batch]
            n = len(part)
            if self._fixed_batch and n < self._batch:  # pad a fixed-batch model's last run
                part = np.concatenate(
                    [part, np.zeros((self._batch - n, *part.shape[1:]), np.float32)]
                )
            with self._lock:
                y = self._sess.run(None, {self._input: np.ascontiguousarray(part)})[0]
            out.append(np.asarray(y, np.float32)[:n])
        return l2_normalise(np.concatenate(out))
