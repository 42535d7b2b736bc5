"""Query-photo analysis off the event loop. In-process (the engine's lock makes dlib
safe, one photo at a time) or in worker processes, one analyzer each, which is what lets
photo searches use every core."""

from __future__ import annotations

import asyncio
import io
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from PIL import Image, UnidentifiedImageError
from starlette.concurrency import run_in_threadpool

from facedex.config import Settings
from facedex.decode import decode_bytes
from facedex.engine import Engine
from facedex.errors import ImageError
from facedex.faces.analyzer import FaceAnalyzer
from facedex.service.limits import Overloaded
from facedex.types import Face


def check_pixels(data: bytes, max_pixels: int) -> None:
    """Read only the header: refuse decompression bombs before decoding anything."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ImageError(
            "not_image",
            "the upload is not an image this server can read "
            "(use JPEG, PNG, WebP, GIF, BMP, TIFF or HEIC)",
        ) from None
    if w * h > max_pixels:
        raise ImageError(
            "too_many_pixels",
            f"image is {w}x{h} = {w * h} pixels, over the "
            f"{max_pixels} pixel limit; send a smaller photo",
        )


class PhotoAnalyzer(Protocol):
    slots: int

    async def faces(self, data: bytes) -> list[Face]: ...

    def close(self) -> None: ...


class InProcessAnalyzer:
    """Uses the engine's analyzer; its lock serialises photos, so one slot."""

    slots = 1

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def faces(self, data: bytes) -> list[Face]:
        faces = await run_in_threadpool(self.engine.faces, data)
        for f in faces:
            f.thumb = b""
        return faces

    def close(self) -> None:
        pass


_WORKER: tuple[FaceAnalyzer, Settings] | None = None


def _init(settings_json: str) -> None:
    global _WORKER
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from facedex.models.registry import build_analyzer

    settings = Settings.model_validate_json(settings_json)
    _WORKER = (build_analyzer(settings), settings)


def _analyze(data: bytes) -> list[Face] | tuple[str, str]:
    """Faces, or (code, message) of an ImageError: it does not survive pickling as is."""
    assert _WORKER is not None
    analyzer, s = _WORKER
    try:
        img = decode_bytes(data, "query", max_pixels=s.max_pixels, work_side=s.work_side)
    except ImageError as e:
        return (e.code, str(e))
    faces = analyzer.analyze(img)
    for f in faces:
        f.thumb = b""
        f.chip = None
    return faces


def _warm() -> bool:
    return _WORKER is not None


class ProcessPoolAnalyzer:
    """``workers`` processes, each with its own models (loaded once, at start)."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.slots = workers
        self._settings = settings.model_dump_json()
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            self.slots,
            mp_context=mp.get_context("spawn"),
            initializer=_init,
            initargs=(self._settings,),
        )
        for _ in range(self.slots):  # start them all now, not on the first query
            pool.submit(_warm)
        return pool

    async def faces(self, data: bytes) -> list[Face]:
        try:
            out = await asyncio.get_running_loop().run_in_executor(self._pool, _analyze, data)
        except BrokenProcessPool:  # a worker died (e.g. out of memory): start fresh ones
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            raise Overloaded(503, "photo analysis restarted; try again", 2) from None
        if isinstance(out, tuple):
            raise ImageError(out[0], out[1].removeprefix("query: "))
        return out

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
