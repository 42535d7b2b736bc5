"""Folder watching by polling: portable, no extra dependency, and stoppable.

New or changed files are yielded once their size and mtime stay the same over two polls
(a file still being copied is not read half-written). The Ingestor's catalog check skips
anything already indexed, so a restart simply rescans.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from facedex.pipeline import Item
from facedex.sources.download import OptionError
from facedex.sources.folder import FolderSource


class WatchFolderSource:
    """Everything under ``paths`` now, then whatever arrives, until stopped.

    Stops when ``stop`` is set, after ``max_polls`` polls, or after ``idle_stop_s``
    seconds without a new file (the last two mostly for tests and batch jobs).
    """

    def __init__(
        self,
        paths: Iterable[str | Path],
        *,
        interval_s: float = 2.0,
        stop: threading.Event | None = None,
        max_polls: int | None = None,
        idle_stop_s: float | None = None,
        follow_links: bool = False,
    ) -> None:
        if interval_s <= 0:
            raise OptionError(f"interval_s must be > 0, got {interval_s}")
        if max_polls is not None and max_polls < 0:
            raise OptionError(f"max_polls must be >= 0, got {max_polls}")
        self.folder = FolderSource(paths, follow_links=follow_links)
        for p in self.folder.paths:
            if not p.is_dir():
                raise OptionError(f"{p}: --watch needs a folder")
        self.interval_s = interval_s
        self.stop = stop or threading.Event()
        self.max_polls = max_polls
        self.idle_stop_s = idle_stop_s
        self.label = f"watch:{self.folder.label}"
        self.polls = 0

    def _scan(self) -> dict[Path, tuple[float, int]]:
        out: dict[Path, tuple[float, int]] = {}
        for p in self.folder.files():
            try:
                st = p.stat()
            except OSError:  # deleted between listing and stat
                continue
            out[p] = (st.st_mtime, st.st_size)
        return out

    def __iter__(self) -> Iterator[Item]:
        done: dict[Path, tuple[float, int]] = {}
        last_seen: dict[Path, tuple[float, int]] = {}
        first = True
        last_new = time.monotonic()
        while not self.stop.is_set():
            now = self._scan()
            for p, sig in now.items():
                if done.get(p) == sig:
                    continue
                if first or last_seen.get(p) == sig:  # settled (or there from the start)
                    done[p] = sig
                    last_new = time.monotonic()
                    yield Item(source=str(p), path=str(p), mtime=sig[0], size=sig[1])
            last_seen = now
            first = False
            self.polls += 1
            if self.max_polls is not None and self.polls > self.max_polls:
                return
            if self.idle_stop_s is not None and time.monotonic() - last_new > self.idle_stop_s:
                return
            self.stop.wait(self.interval_s)
