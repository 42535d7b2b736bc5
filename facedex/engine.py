"""The Python API: a library folder with a catalog, an index per model, and the models.

engine = facedex.open("~/faces-library")
engine.index(["~/Pictures"])
result = engine.search("me.jpg", k=10)
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from facedex.config import Settings
from facedex.decode import decode_bytes, read_source
from facedex.errors import NoFaceError, NotFoundError
from facedex.faces.analyzer import FaceAnalyzer
from facedex.index.synced import SyncedIndex
from facedex.models.registry import build_analyzer, embedder_dim, embedder_name, embedder_threshold
from facedex.pipeline import ImageRecord, Ingestor, Item, RunStats
from facedex.store.sqlite import SqliteCatalog
from facedex.types import DecodedImage, Face, FloatArray, Match

ImageInput = str | Path | bytes | Image.Image | np.ndarray

EMBED_DIMS = {"dlib-resnet-v1": 128}


@dataclass
class SearchResult:
    faces: list[Face]  # every face found in the query image
    chosen: int  # which of them was searched
    matches: list[Match] = field(default_factory=list)
    threshold: float = 0.0
    model: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "faces": [f.as_dict() for f in self.faces],
            "chosen": self.chosen,
            "threshold": self.threshold,
            "model": self.model,
            "matches": [m.as_dict() for m in self.matches],
        }


@dataclass
class VerifyResult:
    similarity: float
    same_person: bool
    threshold: float
    model: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "similarity": round(self.similarity, 4),
            "same_person": self.same_person,
            "threshold": self.threshold,
            "model": self.model,
        }


class Engine:
    def __init__(self, root: str | Path, settings: Settings | None = None) -> None:
        self.root = Path(root).expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.settings = settings or Settings()
        self.catalog = SqliteCatalog(self.root / "catalog.sqlite")
        self.model_name = embedder_name(self.settings)
        self._lock = threading.RLock()
        self._blocklist: FloatArray | None = None
        info = self.root / "library.json"
        if not info.exists():
            info.write_text(json.dumps({"format": 1, "created_with": self.model_name}))

    # -- lazily built parts (nothing heavy at construction) --------------------------
    @cached_property
    def analyzer(self) -> FaceAnalyzer:
        return build_analyzer(self.settings)

    @property
    def threshold(self) -> float:
        if "analyzer" in self.__dict__:
            return float(self.analyzer.embedder.threshold)
        return embedder_threshold(self.settings)  # no need to load the models for it

    @cached_property
    def index(self) -> SyncedIndex:
        dim = (
            EMBED_DIMS.get(self.model_name)
            or embedder_dim(self.settings)
            or self.analyzer.embedder.dim
        )
        s = self.settings
        return SyncedIndex(
            self.root / "index",
            self.catalog,
            self.model_name,
            dim,
            s.index_backend,
            m=s.hnsw_m,
            ef_construction=s.hnsw_ef_construction,
            ef_search=s.hnsw_ef_search,
            exact_below=s.exact_below,
            dtype=s.index_dtype,
        )

    def blocklist(self) -> FloatArray:
        if self._blocklist is None:
            self._blocklist = self.catalog.blocklist(self.model_name)
        return self._blocklist

    # -- ingest -------------------------------------------------------------------
    def index_items(
        self,
        items: Iterable[Item],
        label: str = "",
        *,
        workers: int | None = None,
        on_progress: Callable[[RunStats, ImageRecord | None], None] | None = None,
        reembed: bool = False,
    ) -> RunStats:
        """Ingest items; ``reembed`` processes recorded ones again with the current models
        (their faces are replaced), which is how a library moves to another embedder."""
        _ = self.index  # open (and reconcile) the index before work starts
        return Ingestor(self, workers=workers, on_progress=on_progress, reembed=reembed).run(
            items, label
        )

    def index_paths(self, paths: Iterable[str | Path], **kw: Any) -> RunStats:
        from facedex.sources.folder import FolderSource

        src = FolderSource(paths)
        return self.index_items(src, src.label, **kw)

    # ``engine.index([...])`` reads best in user code; the attribute ``index`` is the ANN.
    def add(self, paths: Iterable[str | Path], **kw: Any) -> RunStats:
        return self.index_paths(paths, **kw)

    # -- query --------------------------------------------------------------------
    def load(self, image: ImageInput, source: str = "query") -> DecodedImage:
        s = self.settings
        if isinstance(image, (str, Path)):
            data = read_source(image, s.max_bytes)
            return decode_bytes(data, str(image), max_pixels=s.max_pixels, work_side=s.work_side)
        if isinstance(image, bytes):
            return decode_bytes(image, source, max_pixels=s.max_pixels, work_side=s.work_side)
        if isinstance(image, Image.Image):
            buf = io.BytesIO()
            image.convert("RGB").save(buf, "PNG")
            return decode_bytes(
                buf.getvalue(), source, max_pixels=s.max_pixels, work_side=s.work_side
            )
        arr = np.ascontiguousarray(image, dtype=np.uint8)
        return DecodedImage(pixels=arr, format="ARRAY", width=arr.shape[1], height=arr.shape[0])

    def faces(self, image: ImageInput, embed: bool = True) -> list[Face]:
        img = self.load(image)
        with self._lock:
            return self.analyzer.analyze(img) if embed else self.analyzer.find(img)

    def embed_one(self, image: ImageInput, face: int | str = "largest") -> tuple[list[Face], int]:
        faces = self.faces(image)
        if not faces:
            raise NoFaceError(
                "no face found in the query image; use a photo where a face is "
                "clearly visible (at least about 40 pixels across)"
            )
        if face == "largest":
            idx = 0
        elif face == "best":
            idx = int(np.argmax([f.quality for f in faces]))
        else:
            idx = int(face)
            if not 0 <= idx < len(faces):
                raise NoFaceError(
                    f"face {idx} asked for, but the image has {len(faces)} "
                    f"face(s): use 0..{len(faces) - 1}"
                )
        return faces, idx

    def search_vector(
        self, vector: FloatArray, k: int = 10, offset: int = 0, exclude: set[int] | None = None
    ) -> list[Match]:
        want = k + offset + (len(exclude) if exclude else 0)
        ids, sims = self.index.search(np.asarray(vector, np.float32)[None], want)
        pairs = [
            (int(i), float(s))
            for i, s in zip(ids[0], sims[0], strict=True)
            if i >= 0 and (not exclude or int(i) not in exclude)
        ]
        return self.matches_for(pairs[offset : offset + k])

    def matches_for(self, pairs: list[tuple[int, float]]) -> list[Match]:
        """(face id, similarity) pairs -> Matches with their sources; faces erased since
        the index (or a share link) was read drop out."""
        rows = self.catalog.faces_by_ids([i for i, _ in pairs])
        out = []
        thr = self.threshold
        for fid, sim in pairs:
            if fid not in rows:
                continue
            f, img = rows[fid]
            out.append(
                Match(
                    face_id=fid,
                    similarity=sim,
                    same_person=sim >= thr,
                    image_id=img.id,
                    source=img.source,
                    box=f.box,
                    page_url=img.page_url,
                    caption=img.caption,
                    meta=img.meta,
                )
            )
        return out

    def search(
        self, image: ImageInput, k: int = 10, face: int | str = "largest", offset: int = 0
    ) -> SearchResult:
        faces, idx = self.embed_one(image, face)
        vec = faces[idx].vector
        assert vec is not None
        return SearchResult(
            faces=faces,
            chosen=idx,
            threshold=self.threshold,
            model=self.model_name,
            matches=self.search_vector(vec, k, offset),
        )

    def face_vector(self, face_id: int) -> FloatArray:
        row = self.catalog.face(face_id, with_vector=True)
        if row.model != self.model_name:
            raise NotFoundError(
                f"face {face_id} was embedded by {row.model}, this library "
                f"searches with {self.model_name}"
            )
        assert row.vector is not None
        return row.vector

    def search_face_id(self, face_id: int, k: int = 10, offset: int = 0) -> list[Match]:
        return self.search_vector(self.face_vector(face_id), k, offset, exclude={face_id})

    def verify(self, a: ImageInput, b: ImageInput) -> VerifyResult:
        fa, ia = self.embed_one(a)
        fb, ib = self.embed_one(b)
        va, vb = fa[ia].vector, fb[ib].vector
        assert va is not None and vb is not None
        sim = float(np.dot(va, vb))
        return VerifyResult(
            similarity=sim,
            same_person=sim >= self.threshold,
            threshold=self.threshold,
            model=self.model_name,
        )

    # -- admin --------------------------------------------------------------------
    def delete_faces(self, face_ids: list[int]) -> int:
        n = self.catalog.delete_faces(face_ids)
        self.index.sync()
        self.index.save()
        return n

    def delete_image(self, image_id: int) -> int:
        n = self.catalog.delete_image(image_id)
        self.index.sync()
        self.index.save()
        return n

    def optout(self, image: ImageInput, reason: str = "opt-out") -> dict[str, int]:
        """Erase every indexed face of the person in ``image`` and keep them out for good."""
        faces, idx = self.embed_one(image)
        vec = faces[idx].vector
        assert vec is not None
        return self.optout_vector(vec, reason)

    def optout_vector(self, vec: FloatArray, reason: str = "opt-out") -> dict[str, int]:
        """``optout`` for a face already embedded (the server analyses photos itself)."""
        self.catalog.block(self.model_name, vec, reason)
        self._blocklist = None
        removed: list[int] = []
        while True:
            hits = [m for m in self.search_vector(vec, 200) if m.same_person]
            if not hits:
                break
            ids = [m.face_id for m in hits]
            self.catalog.delete_faces(ids)
            self.index.sync()
            removed += ids
        self.index.save()
        return {"removed": len(removed), "blocklisted": 1}

    def rebuild_index(self) -> int:
        self.index.rebuild()
        return len(self.index)

    def stats(self) -> dict[str, Any]:
        st = self.catalog.stats()
        st["library"] = str(self.root)
        st["model"] = self.model_name
        st["detector"] = self.settings.detector
        st["index"] = {
            "backend": self.settings.index_backend,
            "vectors": len(self.index),
            "bytes": self.index.size_bytes(),
        }
        return st

    def close(self) -> None:
        if "index" in self.__dict__:
            self.index.save()
        self.catalog.close()


def open(root: str | Path = "facedex-library", **overrides: Any) -> Engine:
    """Open (or create) a library folder. Keyword arguments override settings."""
    return Engine(root, Settings(**overrides))
