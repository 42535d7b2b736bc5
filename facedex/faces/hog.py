"""dlib's HOG detector: no extra model file, frontal faces only. The fallback detector."""

from __future__ import annotations

import threading
from typing import Any

from facedex.types import Detection, UInt8Array


class HogDetector:
    name = "hog"

    def __init__(self, upsample: int = 1, **_: Any) -> None:
        import dlib

        self._det = dlib.get_frontal_face_detector()
        self.upsample = upsample
        self._lock = threading.Lock()

    def detect(self, pixels: UInt8Array) -> list[Detection]:
        # small images are upsampled so 40-px faces are found; big ones are not (cost x4)
        up = self.upsample if max(pixels.shape[:2]) <= 1200 else 0
        with self._lock:
            rects, scores, _ = self._det.run(pixels, up, -0.2)
        return [
            Detection(
                box=(float(r.left()), float(r.top()), float(r.right()), float(r.bottom())),
                score=float(min(1.0, max(0.0, 0.5 + s / 4))),
            )
            for r, s in zip(rects, scores, strict=True)
        ]
