"""The catalog interface. SQLite is the embedded default; other backends implement this."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from facedex.types import Face, FloatArray

# Terminal image statuses: a rerun does not process these again.
DONE = "done"  # decoded, faces (maybe zero) stored
NO_FACE = "no_face"
ERROR = "error"
DUPLICATE = "duplicate"  # same bytes as another image; both places remembered
BLOCKED = "blocked"  # every face matched the opt-out blocklist
SKIPPED = "skipped"  # refused by policy (robots.txt, X-Robots-Tag, quota)

# Errors that say nothing about the image itself (the network, the host, a crash): a rerun
# tries these items again instead of keeping the failure for good.
RETRYABLE_CODES = frozenset(
    {
        "timeout",
        "connect_failed",
        "rate_limited",
        "host_down",
        "robots_unavailable",
        "http_error",
        "internal",
    }
)


def retryable(status: str, code: str | None) -> bool:
    c = code or ""
    return status == ERROR and (c in RETRYABLE_CODES or c.startswith("http_5") or c == "http_429")


@dataclass(slots=True)
class ImageRow:
    id: int
    source: str
    status: str
    sha256: str | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    bytes: int | None = None
    error_code: str | None = None
    error: str | None = None
    n_faces: int = 0
    page_url: str | None = None
    caption: str | None = None
    external_id: str | None = None
    duplicate_of: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(slots=True)
class FaceRow:
    id: int
    image_id: int
    box: tuple[float, float, float, float]
    score: float
    quality: float
    landmarks: list[list[float]]
    model: str
    vector: FloatArray | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "image_id": self.image_id,
            "box": [round(v, 1) for v in self.box],
            "score": round(self.score, 4),
            "quality": round(self.quality, 4),
            "landmarks": self.landmarks,
            "model": self.model,
        }


@dataclass(slots=True)
class ImageRecord:
    """What the ingest writer stores for one processed item."""

    source: str
    status: str
    sha256: str | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    nbytes: int | None = None
    mtime: float | None = None
    error_code: str | None = None
    error: str | None = None
    page_url: str | None = None
    caption: str | None = None
    external_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    faces: list[Face] = field(default_factory=list)


class Catalog(Protocol):
    """Durable record of everything indexed. Every write is atomic per image."""

    def write_images(self, records: list[ImageRecord], model: str, run_id: int | None) -> list[int]:
        """Store images and their faces in one transaction; returns the image ids."""
        ...

    def seen(self, source: str) -> tuple[str, float | None, int | None] | None:
        """(status, mtime, bytes) of an already-processed source, or None."""
        ...

    def is_final(self, source: str) -> bool:
        """Recorded, and not a failure worth retrying (see RETRYABLE_CODES)."""
        ...

    def find_sha(self, sha256: str) -> int | None: ...

    def image(self, image_id: int) -> ImageRow: ...

    def face(self, face_id: int, with_vector: bool = False) -> FaceRow: ...

    def faces_of(self, image_id: int) -> list[FaceRow]: ...

    def faces_by_ids(self, ids: list[int]) -> dict[int, tuple[FaceRow, ImageRow]]: ...

    def thumb(self, face_id: int) -> bytes: ...

    def iter_vectors(
        self, model: str, after_id: int = 0, batch: int = 50_000
    ) -> Iterator[tuple[np.ndarray, FloatArray]]: ...

    def max_face_id(self, model: str) -> int: ...

    def count_faces(self, model: str | None = None) -> int: ...

    def deletions_after(self, seq: int, model: str) -> tuple[list[int], int]: ...

    def delete_faces(self, face_ids: list[int]) -> int: ...

    def delete_image(self, image_id: int) -> int: ...

    def stats(self) -> dict[str, Any]: ...

    def start_run(self, source: str) -> int: ...

    def finish_run(self, run_id: int, stats: dict[str, Any]) -> None: ...

    def block(self, model: str, vector: FloatArray, reason: str) -> int: ...

    def blocklist(self, model: str) -> FloatArray: ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def close(self) -> None: ...
