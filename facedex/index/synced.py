"""An index file kept in step with the catalog.

The catalog is the truth; the index is a cache of it. Next to the index file a small JSON
records the catalog position it reflects (highest face id added, last deletion seen).
On open we replay what the catalog did since: faces added after that id, deletions after
that sequence number. If anything looks off (file missing, damaged, other model, counts
that do not agree) the index is rebuilt from the catalog's vectors. Saves go to a temp
file and are renamed into place, so a kill -9 at any moment leaves a loadable index.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from facedex.index.base import VectorIndex, open_index
from facedex.store.base import Catalog
from facedex.types import FloatArray

log = logging.getLogger(__name__)
FORMAT_VERSION = 1


class SyncedIndex:
    def __init__(
        self, folder: Path, catalog: Catalog, model: str, dim: int, backend: str, **index_kw: Any
    ) -> None:
        self.folder = folder
        self.catalog = catalog
        self.model = model
        self.dim = dim
        self.backend = backend
        self._kw = index_kw
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in model)
        self.path = folder / f"{safe}.{backend}"
        self.state_path = folder / f"{safe}.{backend}.json"
        self.lock = threading.RLock()
        self.max_id = 0
        self.del_seq = 0
        self.index: VectorIndex = open_index(backend, dim, **index_kw)
        self.rebuilt = False
        self._open()

    # -- open / sync --------------------------------------------------------------
    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        state: dict[str, Any] = {}
        if self.path.exists() and self.state_path.exists():
            try:
                state = json.loads(self.state_path.read_text())
                if (
                    state.get("version") != FORMAT_VERSION
                    or state.get("model") != self.model
                    or state.get("dim") != self.dim
                ):
                    raise ValueError("index was written for another model or format")
                self.index.load(self.path)
                self.max_id = int(state["max_face_id"])
                self.del_seq = int(state["deletion_seq"])
            except Exception as e:  # damaged or foreign: the catalog has everything
                log.warning("index %s unusable (%s); rebuilding from the catalog", self.path, e)
                state = {}
        if not state:
            self.rebuild()
            return
        self.sync()
        if len(self.index) != self.catalog.count_faces(self.model):
            log.warning(
                "index has %d vectors, catalog %d; rebuilding",
                len(self.index),
                self.catalog.count_faces(self.model),
            )
            self.rebuild()

    def sync(self) -> int:
        """Apply catalog changes made since the index was last in step. Returns # added."""
        with self.lock:
            gone, seq = self.catalog.deletions_after(self.del_seq, self.model)
            if gone:
                self.index.remove(np.asarray(gone, np.int64))
            self.del_seq = max(self.del_seq, seq)
            added = 0
            for ids, vecs in self.catalog.iter_vectors(self.model, after_id=self.max_id):
                fresh = np.asarray([i not in self.index for i in ids])
                if fresh.any():
                    self.index.add(ids[fresh], vecs[fresh])
                    added += int(fresh.sum())
                self.max_id = int(ids[-1])
            return added

    def rebuild(self) -> None:
        with self.lock:
            self.index = open_index(self.backend, self.dim, **self._kw)
            self.max_id = 0
            self.del_seq = self.catalog.deletions_after(0, self.model)[1]
            for ids, vecs in self.catalog.iter_vectors(self.model):
                self.index.add(ids, vecs)
                self.max_id = int(ids[-1])
            self.rebuilt = True
            self.save()

    def save(self) -> None:
        with self.lock:
            tmp = self.path.with_suffix(self.path.suffix + ".tmp")
            self.index.save(tmp)
            os.replace(tmp, self.path)
            state = {
                "version": FORMAT_VERSION,
                "model": self.model,
                "dim": self.dim,
                "backend": self.backend,
                "max_face_id": self.max_id,
                "deletion_seq": self.del_seq,
                "count": len(self.index),
            }
            tmp_s = self.state_path.with_suffix(".json.tmp")
            tmp_s.write_text(json.dumps(state))
            os.replace(tmp_s, self.state_path)

    # -- use ----------------------------------------------------------------------
    def search(self, queries: FloatArray, k: int) -> tuple[np.ndarray, FloatArray]:
        with self.lock:
            return self.index.search(queries, k)

    def remove(self, ids: list[int]) -> None:
        with self.lock:
            self.index.remove(np.asarray(ids, np.int64))

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, face_id: int) -> bool:
        return face_id in self.index

    def size_bytes(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0
