"""Share links: the query face's embedding and the result ids, never the photo.

Stored in the library's catalog file (own table), so links survive restarts, and erased
faces disappear from them because results are re-read from the catalog on open.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facedex.types import FloatArray

SCHEMA = """
CREATE TABLE IF NOT EXISTS shares (
  token TEXT PRIMARY KEY, vector BLOB NOT NULL, model TEXT NOT NULL,
  results TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS shares_expires ON shares(expires);
"""


@dataclass(frozen=True, slots=True)
class Share:
    token: str
    vector: FloatArray
    model: str
    results: list[tuple[int, float]]  # (face id, similarity) in rank order
    created: float
    expires: float


class ShareStore:
    def __init__(self, catalog_path: Path, ttl_s: int) -> None:
        self.path = catalog_path
        self.ttl_s = ttl_s
        self._local = threading.local()
        self._conn().executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        c: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            c.execute("PRAGMA busy_timeout=30000")
            self._local.conn = c
        return c

    def create(self, vector: FloatArray, model: str, results: list[tuple[int, float]]) -> Share:
        now = time.time()
        token = secrets.token_urlsafe(9)
        vec = np.asarray(vector, np.float32)
        share = Share(token, vec, model, results, now, now + self.ttl_s)
        c = self._conn()
        c.execute("DELETE FROM shares WHERE expires < ?", (now,))
        c.execute(
            "INSERT INTO shares VALUES (?,?,?,?,?,?)",
            (
                token,
                vec.tobytes(),
                model,
                json.dumps([[i, round(s, 5)] for i, s in results]),
                now,
                share.expires,
            ),
        )
        return share

    def get(self, token: str) -> Share | None:
        """The share, or None when unknown or expired (expired ones are not shown)."""
        r = (
            self._conn()
            .execute(
                "SELECT token, vector, model, results, created, expires FROM shares WHERE token=?",
                (token,),
            )
            .fetchone()
        )
        if r is None or r[5] < time.time():
            return None
        return Share(
            r[0],
            np.frombuffer(r[1], np.float32),
            r[2],
            [(int(i), float(s)) for i, s in json.loads(r[3])],
            r[4],
            r[5],
        )

    def forget_person(self, vector: FloatArray, model: str, threshold: float) -> int:
        """Delete shares whose query face is this person (used by opt-out)."""
        c = self._conn()
        rows = c.execute("SELECT token, vector FROM shares WHERE model=?", (model,)).fetchall()
        gone = [
            t
            for t, blob in rows
            if float(np.dot(np.frombuffer(blob, np.float32), vector)) >= threshold
        ]
        c.executemany("DELETE FROM shares WHERE token=?", [(t,) for t in gone])
        return len(gone)

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None


class QueryCache:
    """Embeddings of recent photo queries, in memory only, so results can be paged and
    shared without the client re-uploading the photo. Bounded in size and age."""

    def __init__(self, size: int, ttl_s: float) -> None:
        self.size = size
        self.ttl_s = ttl_s
        self._items: dict[str, tuple[float, FloatArray]] = {}
        self._lock = threading.Lock()

    def put(self, vector: FloatArray) -> str:
        token = secrets.token_urlsafe(12)
        now = time.monotonic()
        with self._lock:
            self._items[token] = (now, vector)
            if len(self._items) > self.size:
                for k in list(self._items)[: len(self._items) - self.size]:
                    del self._items[k]
        return token

    def get(self, token: str) -> FloatArray | None:
        with self._lock:
            item = self._items.get(token)
        if item is None or time.monotonic() - item[0] > self.ttl_s:
            return None
        return item[1]

    def forget_person(self, vector: FloatArray, threshold: float) -> None:
        with self._lock:
            for k in [
                k for k, (_, v) in self._items.items() if float(np.dot(v, vector)) >= threshold
            ]:
                del self._items[k]
