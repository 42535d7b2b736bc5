"""Ingest runner: items from any source -> decode -> detect -> embed (worker processes)
-> catalog + index (this process).

Workers each hold one analyzer and take whole items, so decoding, detection and
embedding of different images overlap on all cores; each image's faces are embedded as
one batch. At most ``window`` items are in flight, so memory stays flat however long the
source is. The catalog write for an image is one transaction (image row + its faces), so
a kill -9 at any moment loses at most the in-flight items, which a rerun then processes:
every image ends up recorded exactly once.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from facedex.config import Settings
from facedex.decode import decode_bytes, read_source
from facedex.errors import FacedexError, ImageError
from facedex.faces.analyzer import FaceAnalyzer
from facedex.store.base import BLOCKED, DONE, DUPLICATE, ERROR, NO_FACE, SKIPPED, ImageRecord


@dataclass(slots=True)
class Item:
    """One image to ingest. ``source`` is its unique key (absolute path or URL)."""

    source: str
    path: str | None = None
    data: bytes | None = None
    mtime: float | None = None
    size: int | None = None
    page_url: str | None = None
    caption: str | None = None
    external_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # Set by a source that already knows the outcome (a failed or refused download): the
    # item is recorded with this status and error without being decoded.
    error_code: str | None = None
    error: str | None = None
    status: str | None = None


@dataclass
class RunStats:
    seen: int = 0
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    no_face: int = 0
    duplicates: int = 0
    blocked: int = 0
    faces: int = 0
    refused: int = 0  # refused by policy before decoding (robots.txt, X-Robots-Tag, ...)
    errors: dict[str, int] = field(default_factory=dict)
    refusals: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    elapsed: float = 0.0

    @property
    def images_per_s(self) -> float:
        return self.processed / self.elapsed if self.elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seen": self.seen,
            "processed": self.processed,
            "skipped": self.skipped,
            "failed": self.failed,
            "no_face": self.no_face,
            "duplicates": self.duplicates,
            "blocked": self.blocked,
            "faces": self.faces,
            "errors": self.errors,
            "refused": self.refused,
            "refusals": self.refusals,
            "elapsed_s": round(self.elapsed, 3),
            "images_per_s": round(self.images_per_s, 2),
        }


# -- worker side --------------------------------------------------------------------
_ANALYZER: FaceAnalyzer | None = None
_SETTINGS: Settings | None = None


def _init_worker(settings_json: str) -> None:
    global _ANALYZER, _SETTINGS
    # one BLAS thread per worker: the workers already use every core
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    from facedex.models.registry import build_analyzer

    _SETTINGS = Settings.model_validate_json(settings_json)
    _ANALYZER = build_analyzer(_SETTINGS)


def process_item(item: Item, analyzer: FaceAnalyzer, settings: Settings) -> ImageRecord:
    """Everything that can run away from the catalog: read, decode, detect, embed."""
    rec = ImageRecord(
        source=item.source,
        status=ERROR,
        mtime=item.mtime,
        page_url=item.page_url,
        caption=item.caption,
        external_id=item.external_id,
        meta=item.meta,
    )
    if item.error_code is not None:  # failed or refused upstream: record as is
        rec.status = item.status or ERROR
        rec.error_code, rec.error = item.error_code, item.error
        return rec
    try:
        data = (
            item.data
            if item.data is not None
            else read_source(item.path or item.source, settings.max_bytes)
        )
        rec.nbytes = len(data)
        img = decode_bytes(
            data, item.source, max_pixels=settings.max_pixels, work_side=settings.work_side
        )
        rec.sha256, rec.width, rec.height, rec.format = (
            img.sha256,
            img.width,
            img.height,
            img.format,
        )
        rec.faces = analyzer.analyze(img)
        rec.status = DONE if rec.faces else NO_FACE
    except ImageError as e:
        rec.error_code, rec.error = e.code, str(e)
    except FacedexError as e:
        rec.error_code, rec.error = "failed", str(e)
    except Exception as e:  # a bug or a library crash on odd input: record, carry on
        rec.error_code, rec.error = "internal", f"{type(e).__name__}: {e}"
    return rec


def _work(item: Item) -> ImageRecord:
    assert _ANALYZER is not None and _SETTINGS is not None
    return process_item(item, _ANALYZER, _SETTINGS)


# -- runner -------------------------------------------------------------------------
class Ingestor:
    """Runs items through the workers and writes results. Used by every source."""

    def __init__(
        self,
        engine: Any,
        *,
        workers: int | None = None,
        on_progress: Callable[[RunStats, ImageRecord | None], None] | None = None,
        commit_every: int = 32,
        save_every_s: float = 30.0,
        reembed: bool = False,
    ) -> None:
        self.engine = engine
        self.settings: Settings = engine.settings
        self.workers = workers or self.settings.workers
        self.on_progress = on_progress
        self.commit_every = commit_every
        self.save_every_s = save_every_s
        # process recorded items again, replacing their faces (after changing the embedder)
        self.reembed = reembed

    def _records(self, items: Iterator[Item]) -> Iterator[ImageRecord]:
        if self.workers <= 1:
            analyzer = self.engine.analyzer
            for item in items:
                yield process_item(item, analyzer, self.settings)
            return
        ctx = mp.get_context("spawn")
        window = self.workers * 3
        with ProcessPoolExecutor(
            self.workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(self.settings.model_dump_json(),),
        ) as pool:
            pending: set[Future[ImageRecord]] = set()
            for item in items:
                pending.add(pool.submit(_work, item))
                if len(pending) >= window:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in done:
                        yield f.result()
            for f in pending:
                yield f.result()

    def run(self, items: Iterable[Item], source_label: str = "") -> RunStats:
        eng = self.engine
        cat = eng.catalog
        stats = RunStats()
        run_id = cat.start_run(source_label)
        buf: list[ImageRecord] = []
        last_save = last_flush = time.monotonic()

        def todo() -> Iterator[Item]:
            for item in items:
                stats.seen += 1
                prev = cat.seen(item.source)
                if (
                    not self.reembed
                    and prev is not None
                    and (item.mtime is None or (prev[1] == item.mtime and prev[2] == item.size))
                    and cat.is_final(item.source)  # transient failures are tried again
                ):
                    stats.skipped += 1
                    if self.on_progress:
                        self.on_progress(stats, None)
                    continue
                yield item

        def flush() -> None:
            nonlocal last_save, last_flush
            last_flush = time.monotonic()
            if not buf:
                return
            cat.write_images(buf, eng.model_name, run_id)
            eng.index.sync()
            buf.clear()
            if time.monotonic() - last_save > self.save_every_s:
                eng.index.save()
                last_save = time.monotonic()

        try:
            for rec in self._records(todo()):
                self._apply_blocklist(rec, stats)
                stats.processed += 1
                if rec.status == ERROR:
                    stats.failed += 1
                    code = rec.error_code or "error"
                    stats.errors[code] = stats.errors.get(code, 0) + 1
                elif rec.status == NO_FACE:
                    stats.no_face += 1
                elif rec.status == SKIPPED:
                    stats.refused += 1
                    code = rec.error_code or "skipped"
                    stats.refusals[code] = stats.refusals.get(code, 0) + 1
                if rec.status == DONE and rec.sha256 and cat.find_sha(rec.sha256) is not None:
                    stats.duplicates += 1
                else:
                    stats.faces += len(rec.faces)
                buf.append(rec)
                if len(buf) >= self.commit_every or time.monotonic() - last_flush > 1.0:
                    flush()
                stats.elapsed = time.time() - stats.started
                if self.on_progress:
                    self.on_progress(stats, rec)
            flush()
        finally:
            flush()
            eng.index.save()
            stats.elapsed = time.time() - stats.started
            cat.finish_run(run_id, stats.as_dict())
        return stats

    def _apply_blocklist(self, rec: ImageRecord, stats: RunStats) -> None:
        """Faces of people who opted out are dropped before anything is stored."""
        if not rec.faces:
            return
        blocked = self.engine.blocklist()
        if blocked.size == 0:
            return
        vecs = np.stack([f.vector for f in rec.faces if f.vector is not None])
        keep = (vecs @ blocked.T).max(axis=1) < self.engine.threshold
        if keep.all():
            return
        rec.faces = [f for f, k in zip(rec.faces, keep, strict=True) if k]
        if not rec.faces:
            rec.status = BLOCKED
            stats.blocked += 1


__all__ = ["DUPLICATE", "Ingestor", "Item", "RunStats", "process_item"]
