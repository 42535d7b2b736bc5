"""Background ingest jobs started over HTTP, one at a time, with progress to poll.

A job kind maps to a runner built from its ``spec``. ``folder`` (a folder on the server)
is built in. ``urls`` (a URL-list file on the server) and ``feed`` (a feed description
file) are the extension point into ``facedex.sources.run`` (``ingest_urls`` / ``crawl``):
used when that module is installed, else the API answers 501.
"""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from facedex.engine import Engine
from facedex.pipeline import RunStats

Progress = Callable[[RunStats, Any], None]
Runner = Callable[[Engine, int, Progress], RunStats]


class SourceUnavailable(Exception):
    """This kind of source is not installed in this build."""


class JobBusy(Exception):
    """An ingest is already running; one at a time keeps the CPUs for searches."""


def _existing(spec: str) -> Path:
    p = Path(spec).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file or folder on the server")
    return p


def _folder(spec: str) -> Runner:
    path = _existing(spec)

    def run(engine: Engine, workers: int, progress: Progress) -> RunStats:
        return engine.index_paths([path], workers=workers, on_progress=progress)

    return run


def _sources_run() -> Any:
    try:
        return importlib.import_module("facedex.sources.run")
    except ImportError:
        raise SourceUnavailable(
            "URL-list and feed ingest (facedex.sources.run) are not available in this build"
        ) from None


def _urls(spec: str) -> Runner:
    path = _existing(spec)
    mod = _sources_run()

    def run(engine: Engine, workers: int, progress: Progress) -> RunStats:
        stats: RunStats = mod.ingest_urls(engine, path, workers=workers, on_progress=progress).stats
        return stats

    return run


def _feed(spec: str) -> Runner:
    path = _existing(spec)
    mod = _sources_run()
    config = importlib.import_module("facedex.sources.feed").load_feed_config(path)

    def run(engine: Engine, workers: int, progress: Progress) -> RunStats:
        stats: RunStats = mod.crawl(engine, config, workers=workers, on_progress=progress).stats
        return stats

    return run


RUNNERS: dict[str, Callable[[str], Runner]] = {"folder": _folder, "urls": _urls, "feed": _feed}


@dataclass
class Job:
    id: str
    kind: str
    spec: str
    state: Literal["running", "done", "failed"] = "running"
    started: float = field(default_factory=time.time)
    finished: float | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class IngestJobs:
    def __init__(
        self, engine: Engine, workers: int, on_change: Callable[[Job], None] | None = None
    ) -> None:
        self.engine = engine
        self.workers = workers
        self.on_change = on_change
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def running(self) -> Job | None:
        return next((j for j in self.jobs.values() if j.state == "running"), None)

    def start(self, kind: str, spec: str) -> Job:
        """Check the spec now (so a bad path fails the request), then run it in a thread."""
        if kind not in RUNNERS:
            raise SourceUnavailable(f"unknown source kind {kind!r}; use {sorted(RUNNERS)}")
        runner = RUNNERS[kind](spec)
        with self._lock:
            if self.running() is not None:
                raise JobBusy("an ingest is already running; wait for it to finish")
            job = Job(id=uuid.uuid4().hex[:12], kind=kind, spec=spec)
            self.jobs[job.id] = job
        self._thread = threading.Thread(
            target=self._run, args=(job, runner), name=f"ingest-{job.id}", daemon=True
        )
        self._thread.start()
        return job

    def _run(self, job: Job, runner: Runner) -> None:
        def progress(stats: Any, _rec: Any) -> None:
            job.stats = stats.as_dict()
            if self.on_change:
                self.on_change(job)

        try:
            stats = runner(self.engine, self.workers, progress)
            job.stats = stats.as_dict()
            job.state = "done"
        except Exception as e:  # reported through the job, not lost in a thread
            job.error = f"{type(e).__name__}: {e}"
            job.state = "failed"
        finally:
            job.finished = time.time()
            if self.on_change:
                self.on_change(job)

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
