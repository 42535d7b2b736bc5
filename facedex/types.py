"""Plain data passed between stages. One box convention everywhere: (x1, y1, x2, y2) pixels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
UInt8Array = npt.NDArray[np.uint8]


@dataclass(slots=True)
class DecodedImage:
    """RGB pixels after orientation and colour fixes, plus what we learned decoding them."""

    pixels: UInt8Array  # H x W x 3, RGB
    format: str  # the real type from the bytes: JPEG, PNG, WEBP, ...
    width: int  # original size, after EXIF rotation
    height: int
    scale: float = 1.0  # pixels = original * scale (large JPEGs are decoded reduced)
    sha256: str = ""
    nbytes: int = 0


@dataclass(slots=True)
class Detection:
    """A face as the detector sees it, in the coordinates of the pixels it was given."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: FloatArray | None = None


@dataclass(slots=True)
class Face:
    """A detected, aligned face ready to embed or already embedded."""

    box: tuple[float, float, float, float]  # original image pixels
    score: float
    landmarks: list[tuple[float, float]]  # original image pixels
    quality: float
    chip: UInt8Array | None = None  # aligned crop the embedder takes
    thumb: bytes = b""  # small JPEG for results
    vector: FloatArray | None = None

    def area(self) -> float:
        return max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1])

    def as_dict(self) -> dict[str, Any]:
        return {
            "box": [round(float(v), 1) for v in self.box],
            "score": round(float(self.score), 4),
            "landmarks": [[round(float(x), 1), round(float(y), 1)] for x, y in self.landmarks],
            "quality": round(float(self.quality), 4),
        }


@dataclass(slots=True)
class Match:
    """One search result."""

    face_id: int
    similarity: float
    same_person: bool
    image_id: int
    source: str
    box: tuple[float, float, float, float]
    page_url: str | None = None
    caption: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "face_id": self.face_id,
            "similarity": round(float(self.similarity), 4),
            "same_person": self.same_person,
            "image_id": self.image_id,
            "source": self.source,
            "box": [round(float(v), 1) for v in self.box],
            "page_url": self.page_url,
            "caption": self.caption,
            "meta": self.meta,
        }
