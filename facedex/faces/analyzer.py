"""Detect, align, score and crop every face of a decoded image; embed them in batches."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from facedex.embed.base import Embedder
from facedex.faces.base import Detector
from facedex.faces.quality import quality
from facedex.types import DecodedImage, Face, UInt8Array

THUMB_SIDE = 112


def thumbnail(pixels: UInt8Array, box: tuple[float, float, float, float]) -> bytes:
    """A small JPEG of the face with some context: shown in results, even if the original moves."""
    h, w = pixels.shape[:2]
    x1, y1, x2, y2 = box
    m = 0.25 * max(x2 - x1, y2 - y1)
    cx, cy, side = (x1 + x2) / 2, (y1 + y2) / 2, max(x2 - x1, y2 - y1) + 2 * m
    left, top = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    right, bottom = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
    crop = Image.fromarray(pixels[top : max(bottom, top + 1), left : max(right, left + 1)])
    crop.thumbnail((THUMB_SIDE * 2, THUMB_SIDE * 2))
    buf = io.BytesIO()
    crop.save(buf, "JPEG", quality=82)
    return buf.getvalue()


class FaceAnalyzer:
    """The detect+align+embed stages wired together for one model pair."""

    def __init__(
        self,
        detector: Detector,
        embedder: Embedder,
        *,
        min_face: int = 20,
        min_quality: float = 0.0,
        max_faces: int = 100,
    ) -> None:
        self.detector = detector
        self.embedder = embedder
        self.min_face = min_face
        self.min_quality = min_quality
        self.max_faces = max_faces

    def find(self, img: DecodedImage) -> list[Face]:
        """Faces with boxes/landmarks in original-image pixels, chips ready to embed."""
        px = img.pixels
        inv = 1.0 / img.scale
        faces: list[Face] = []
        for det in self.detector.detect(px):
            x1, y1, x2, y2 = det.box
            if min(x2 - x1, y2 - y1) * inv < self.min_face:
                continue
            chip, pts = self.embedder.align(px, det)
            q = quality(det.box, chip, pts, det.score)
            if q < self.min_quality:
                continue
            box = (
                max(0.0, x1 * inv),
                max(0.0, y1 * inv),
                min(float(img.width), x2 * inv),
                min(float(img.height), y2 * inv),
            )
            faces.append(
                Face(
                    box=box,
                    score=det.score,
                    landmarks=[(x * inv, y * inv) for x, y in pts],
                    quality=q,
                    chip=chip,
                    thumb=thumbnail(px, det.box),
                )
            )
        faces.sort(key=lambda f: -f.area())
        return faces[: self.max_faces]

    def embed(self, faces: list[Face]) -> list[Face]:
        chips = [f.chip for f in faces if f.chip is not None]
        if chips:
            vecs = self.embedder.embed(chips)
            for f, v in zip(faces, vecs, strict=True):
                f.vector = np.asarray(v, dtype=np.float32)
                f.chip = None
        return faces

    def analyze(self, img: DecodedImage) -> list[Face]:
        return self.embed(self.find(img))
