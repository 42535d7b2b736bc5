"""SQLite catalog (WAL). One connection per thread; writes serialised by a lock.

Vectors are stored here too (float32 blobs), so the ANN index can always be rebuilt
from the catalog and a crash can never leave a face without its vector.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from facedex.errors import NotFoundError
from facedex.store.base import DONE, DUPLICATE, FaceRow, ImageRecord, ImageRow, retryable
from facedex.types import FloatArray

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT, started REAL, finished REAL, stats TEXT);
CREATE TABLE IF NOT EXISTS images (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  sha256 TEXT, width INTEGER, height INTEGER, format TEXT, bytes INTEGER, mtime REAL,
  error_code TEXT, error TEXT,
  n_faces INTEGER NOT NULL DEFAULT 0,
  page_url TEXT, caption TEXT, external_id TEXT, meta TEXT,
  duplicate_of INTEGER REFERENCES images(id) ON DELETE SET NULL,
  run_id INTEGER, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS images_sha ON images(sha256);
CREATE INDEX IF NOT EXISTS images_status ON images(status);
CREATE TABLE IF NOT EXISTS faces (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  x1 REAL, y1 REAL, x2 REAL, y2 REAL, score REAL, quality REAL, landmarks TEXT,
  model TEXT NOT NULL, vector BLOB NOT NULL, thumb BLOB);
CREATE INDEX IF NOT EXISTS faces_image ON faces(image_id);
CREATE INDEX IF NOT EXISTS faces_model ON faces(model, id);
CREATE TABLE IF NOT EXISTS deletions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, face_id INTEGER NOT NULL, model TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocklist (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, vector BLOB NOT NULL,
  reason TEXT, created REAL NOT NULL);
"""


def _vec(blob: bytes) -> FloatArray:
    return np.frombuffer(blob, dtype=np.float32)


class SqliteCatalog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._wlock = threading.RLock()
        with self._wlock:
            c = self._conn()
            c.executescript(SCHEMA)
            c.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            c.commit()

    # -- plumbing -----------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        c: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(
                self.path, timeout=30, check_same_thread=False, isolation_level=None
            )
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA foreign_keys=ON")
            c.execute("PRAGMA busy_timeout=30000")
            self._local.conn = c
        return c

    def _tx(self) -> _Tx:
        return _Tx(self)

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    # -- meta ---------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        r = self._conn().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if r is None else str(r[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- runs ---------------------------------------------------------------------
    def start_run(self, source: str) -> int:
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO runs (source, started) VALUES (?, ?)", (source, time.time())
            )
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, stats: dict[str, Any]) -> None:
        with self._tx() as c:
            c.execute(
                "UPDATE runs SET finished=?, stats=? WHERE id=?",
                (time.time(), json.dumps(stats), run_id),
            )

    # -- ingest -------------------------------------------------------------------
    def seen(self, source: str) -> tuple[str, float | None, int | None] | None:
        r = (
            self._conn()
            .execute("SELECT status, mtime, bytes FROM images WHERE source=?", (source,))
            .fetchone()
        )
        return None if r is None else (str(r[0]), r[1], r[2])

    def is_final(self, source: str) -> bool:
        r = (
            self._conn()
            .execute("SELECT status, error_code FROM images WHERE source=?", (source,))
            .fetchone()
        )
        return r is not None and not retryable(str(r[0]), r[1])

    def find_sha(self, sha256: str) -> int | None:
        r = (
            self._conn()
            .execute(
                "SELECT id FROM images WHERE sha256=? AND status!=? ORDER BY id LIMIT 1",
                (sha256, DUPLICATE),
            )
            .fetchone()
        )
        return None if r is None else int(r[0])

    def write_images(
        self, records: list[ImageRecord], model: str, run_id: int | None = None
    ) -> list[int]:
        """All records in one transaction: a crash keeps all of them or none."""
        ids: list[int] = []
        now = time.time()
        with self._tx() as c:
            for rec in records:
                status, dup = rec.status, None
                if status == DONE and rec.sha256:
                    r = c.execute(
                        "SELECT id FROM images WHERE sha256=? AND status!=? AND source!=? LIMIT 1",
                        (rec.sha256, DUPLICATE, rec.source),
                    ).fetchone()
                    if r is not None:
                        status, dup = DUPLICATE, int(r[0])
                old = c.execute("SELECT id FROM images WHERE source=?", (rec.source,)).fetchone()
                if old is not None:  # re-processed (file changed): replace its faces
                    self._delete_faces_where(c, "image_id=?", (int(old[0]),))
                    c.execute("DELETE FROM images WHERE id=?", (int(old[0]),))
                cur = c.execute(
                    "INSERT INTO images (source, status, sha256, width, height, format, bytes,"
                    " mtime, error_code, error, n_faces, page_url, caption, external_id, meta,"
                    " duplicate_of, run_id, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        rec.source,
                        status,
                        rec.sha256,
                        rec.width,
                        rec.height,
                        rec.format,
                        rec.nbytes,
                        rec.mtime,
                        rec.error_code,
                        rec.error,
                        0 if dup else len(rec.faces),
                        rec.page_url,
                        rec.caption,
                        rec.external_id,
                        json.dumps(rec.meta) if rec.meta else None,
                        dup,
                        run_id,
                        now,
                    ),
                )
                image_id = int(cur.lastrowid or 0)
                ids.append(image_id)
                if dup is not None:
                    continue
                c.executemany(
                    "INSERT INTO faces (image_id, x1, y1, x2, y2, score, quality, landmarks,"
                    " model, vector, thumb) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            image_id,
                            *map(float, f.box),
                            float(f.score),
                            float(f.quality),
                            json.dumps([[round(x, 1), round(y, 1)] for x, y in f.landmarks]),
                            model,
                            np.asarray(f.vector, np.float32).tobytes(),
                            f.thumb,
                        )
                        for f in rec.faces
                        if f.vector is not None
                    ],
                )
        return ids

    # -- reads --------------------------------------------------------------------
    _IMG_COLS = (
        "id, source, status, sha256, width, height, format, bytes, error_code, error,"
        " n_faces, page_url, caption, external_id, duplicate_of, meta"
    )

    @staticmethod
    def _image_row(r: tuple[Any, ...]) -> ImageRow:
        return ImageRow(
            id=r[0],
            source=r[1],
            status=r[2],
            sha256=r[3],
            width=r[4],
            height=r[5],
            format=r[6],
            bytes=r[7],
            error_code=r[8],
            error=r[9],
            n_faces=r[10],
            page_url=r[11],
            caption=r[12],
            external_id=r[13],
            duplicate_of=r[14],
            meta=json.loads(r[15]) if r[15] else {},
        )

    def image(self, image_id: int) -> ImageRow:
        r = (
            self._conn()
            .execute(f"SELECT {self._IMG_COLS} FROM images WHERE id=?", (image_id,))
            .fetchone()
        )
        if r is None:
            raise NotFoundError(f"no image with id {image_id}")
        return self._image_row(r)

    def image_by_source(self, source: str) -> ImageRow | None:
        r = (
            self._conn()
            .execute(f"SELECT {self._IMG_COLS} FROM images WHERE source=?", (source,))
            .fetchone()
        )
        return None if r is None else self._image_row(r)

    def images(self, status: str | None = None, limit: int = 1000) -> list[ImageRow]:
        q = f"SELECT {self._IMG_COLS} FROM images"
        args: tuple[Any, ...] = ()
        if status:
            q += " WHERE status=?"
            args = (status,)
        rows = self._conn().execute(q + " ORDER BY id LIMIT ?", (*args, limit)).fetchall()
        return [self._image_row(r) for r in rows]

    _FACE_COLS = "id, image_id, x1, y1, x2, y2, score, quality, landmarks, model"

    @staticmethod
    def _face_row(r: tuple[Any, ...], vec: bytes | None = None) -> FaceRow:
        return FaceRow(
            id=r[0],
            image_id=r[1],
            box=(r[2], r[3], r[4], r[5]),
            score=r[6],
            quality=r[7],
            landmarks=json.loads(r[8]) if r[8] else [],
            model=r[9],
            vector=_vec(vec) if vec is not None else None,
        )

    def face(self, face_id: int, with_vector: bool = False) -> FaceRow:
        r = (
            self._conn()
            .execute(f"SELECT {self._FACE_COLS}, vector FROM faces WHERE id=?", (face_id,))
            .fetchone()
        )
        if r is None:
            raise NotFoundError(f"no face with id {face_id}")
        return self._face_row(r[:-1], r[-1] if with_vector else None)

    def faces_of(self, image_id: int) -> list[FaceRow]:
        rows = (
            self._conn()
            .execute(
                f"SELECT {self._FACE_COLS} FROM faces WHERE image_id=? ORDER BY id", (image_id,)
            )
            .fetchall()
        )
        return [self._face_row(r) for r in rows]

    def faces_by_ids(self, ids: list[int]) -> dict[int, tuple[FaceRow, ImageRow]]:
        if not ids:
            return {}
        out: dict[int, tuple[FaceRow, ImageRow]] = {}
        c = self._conn()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            img_cols = ", ".join("i." + c.strip() for c in self._IMG_COLS.split(","))
            face_cols = ", ".join("f." + c.strip() for c in self._FACE_COLS.split(","))
            rows = c.execute(
                f"SELECT {face_cols}, {img_cols} FROM faces f JOIN images i ON i.id=f.image_id"
                f" WHERE f.id IN ({marks})",
                chunk,
            ).fetchall()
            for r in rows:
                out[int(r[0])] = (self._face_row(r[:10]), self._image_row(r[10:]))
        return out

    def thumb(self, face_id: int) -> bytes:
        r = self._conn().execute("SELECT thumb FROM faces WHERE id=?", (face_id,)).fetchone()
        if r is None:
            raise NotFoundError(f"no face with id {face_id}")
        return bytes(r[0] or b"")

    def iter_vectors(
        self, model: str, after_id: int = 0, batch: int = 50_000
    ) -> Iterator[tuple[np.ndarray, FloatArray]]:
        last = after_id
        c = self._conn()
        while True:
            rows = c.execute(
                "SELECT id, vector FROM faces WHERE model=? AND id>? ORDER BY id LIMIT ?",
                (model, last, batch),
            ).fetchall()
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
            yield ids, vecs.reshape(len(rows), -1)
            last = int(ids[-1])

    def max_face_id(self, model: str) -> int:
        r = self._conn().execute("SELECT MAX(id) FROM faces WHERE model=?", (model,)).fetchone()
        return int(r[0] or 0)

    def count_faces(self, model: str | None = None) -> int:
        if model is None:
            r = self._conn().execute("SELECT COUNT(*) FROM faces").fetchone()
        else:
            r = (
                self._conn()
                .execute("SELECT COUNT(*) FROM faces WHERE model=?", (model,))
                .fetchone()
            )
        return int(r[0])

    def models(self) -> dict[str, int]:
        rows = self._conn().execute("SELECT model, COUNT(*) FROM faces GROUP BY model").fetchall()
        return {str(m): int(n) for m, n in rows}

    def deletions_after(self, seq: int, model: str) -> tuple[list[int], int]:
        rows = (
            self._conn()
            .execute(
                "SELECT seq, face_id FROM deletions WHERE seq>? AND model=? ORDER BY seq",
                (seq, model),
            )
            .fetchall()
        )
        r = self._conn().execute("SELECT MAX(seq) FROM deletions").fetchone()
        return [int(x[1]) for x in rows], int(r[0] or 0)

    def last_deletion(self) -> int:
        r = self._conn().execute("SELECT MAX(seq) FROM deletions").fetchone()
        return int(r[0] or 0)

    # -- deletes ------------------------------------------------------------------
    @staticmethod
    def _delete_faces_where(c: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> int:
        c.execute(
            f"INSERT INTO deletions (face_id, model) SELECT id, model FROM faces WHERE {where}",
            args,
        )
        return c.execute(f"DELETE FROM faces WHERE {where}", args).rowcount

    def delete_faces(self, face_ids: list[int]) -> int:
        n = 0
        with self._tx() as c:
            for fid in face_ids:
                r = c.execute("SELECT image_id FROM faces WHERE id=?", (int(fid),)).fetchone()
                if r is None:
                    continue
                n += self._delete_faces_where(c, "id=?", (int(fid),))
                c.execute("UPDATE images SET n_faces = n_faces - 1 WHERE id=?", (int(r[0]),))
        return n

    def delete_image(self, image_id: int) -> int:
        with self._tx() as c:
            if c.execute("SELECT 1 FROM images WHERE id=?", (image_id,)).fetchone() is None:
                raise NotFoundError(f"no image with id {image_id}")
            n = self._delete_faces_where(c, "image_id=?", (image_id,))
            c.execute("DELETE FROM images WHERE id=?", (image_id,))
        return n

    # -- blocklist ----------------------------------------------------------------
    def block(self, model: str, vector: FloatArray, reason: str) -> int:
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO blocklist (model, vector, reason, created) VALUES (?,?,?,?)",
                (model, np.asarray(vector, np.float32).tobytes(), reason, time.time()),
            )
            return int(cur.lastrowid or 0)

    def blocklist(self, model: str) -> FloatArray:
        rows = (
            self._conn().execute("SELECT vector FROM blocklist WHERE model=?", (model,)).fetchall()
        )
        if not rows:
            return np.zeros((0, 0), np.float32)
        return np.stack([_vec(r[0]) for r in rows])

    # -- stats --------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        c = self._conn()
        by_status = dict(c.execute("SELECT status, COUNT(*) FROM images GROUP BY status"))
        errors = dict(
            c.execute(
                "SELECT error_code, COUNT(*) FROM images WHERE error_code"
                " IS NOT NULL GROUP BY error_code"
            )
        )
        return {
            "images": int(sum(by_status.values())),
            "images_by_status": by_status,
            "errors_by_code": errors,
            "faces": self.count_faces(),
            "faces_by_model": self.models(),
            "blocklist": int(c.execute("SELECT COUNT(*) FROM blocklist").fetchone()[0]),
            "runs": int(c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]),
            "catalog_bytes": self.path.stat().st_size if self.path.exists() else 0,
        }


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT under the write lock; ROLLBACK on any error."""

    def __init__(self, cat: SqliteCatalog) -> None:
        self.cat = cat

    def __enter__(self) -> sqlite3.Connection:
        self.cat._wlock.acquire()
        self.c = self.cat._conn()
        self.c.execute("BEGIN IMMEDIATE")
        return self.c

    def __exit__(self, et: object, ev: object, tb: object) -> None:
        try:
            if et is None:
                self.c.execute("COMMIT")
            else:
                self.c.execute("ROLLBACK")
        finally:
            self.cat._wlock.release()
