"""A face quality score in [0, 1]: size x sharpness x frontal pose x detector confidence.

Each factor is a soft ramp, so one weak factor lowers the score without zeroing it.
It ranks faces (``largest``/``best`` query face) and drops junk via FACEDEX_MIN_QUALITY.
"""

from __future__ import annotations

import numpy as np

from facedex.types import UInt8Array


def _ramp(x: float, lo: float, hi: float) -> float:
    return float(min(1.0, max(0.0, (x - lo) / (hi - lo))))


def sharpness(chip: UInt8Array) -> float:
    """Variance of the Laplacian of the grey chip (higher is sharper)."""
    g = chip.astype(np.float32).mean(axis=2)
    lap = -4 * g[1:-1, 1:-1] + g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]
    return float(lap.var())


def frontalness(landmarks: list[tuple[float, float]]) -> float:
    """1 for a frontal face, towards 0 as the nose moves off the eyes' midline (yaw)."""
    if len(landmarks) < 3:
        return 1.0
    pts = np.asarray(landmarks, dtype=np.float64)
    if len(pts) == 5 and np.linalg.norm(pts[0] - pts[2]) > np.linalg.norm(pts[0] - pts[1]) * 1.5:
        # dlib 5-point order: right eye (2), left eye (2), nose
        right, left, nose = pts[0:2].mean(0), pts[2:4].mean(0), pts[4]
    else:  # eyes, nose first (insightface / BlazeFace order)
        right, left, nose = pts[0], pts[1], pts[2]
    eye_dist = np.linalg.norm(left - right)
    if eye_dist < 1e-6:
        return 0.0
    mid = (left + right) / 2
    axis = (left - right) / eye_dist
    offset = abs(float(np.dot(nose - mid, axis))) / eye_dist
    return _ramp(float(0.6 - offset), 0.0, 0.45)


def quality(
    box: tuple[float, float, float, float],
    chip: UInt8Array,
    landmarks: list[tuple[float, float]],
    score: float,
) -> float:
    side = min(box[2] - box[0], box[3] - box[1])
    size_q = _ramp(side, 16, 80)
    sharp_q = _ramp(sharpness(chip), 5, 120)
    return round(
        size_q * (0.3 + 0.7 * sharp_q) * (0.4 + 0.6 * frontalness(landmarks)) * (0.5 + 0.5 * score),
        4,
    )
