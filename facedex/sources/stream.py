"""Bridge from the async downloader to the (synchronous) ingest pipeline.

An event loop in a thread runs a producer (URL list rows, feed pages) that submits items;
each item is downloaded by the shared ``Fetcher`` and handed over through a queue that
the Ingestor iterates. A semaphore of ``queue_size`` slots is taken before an item is
submitted and given back only when the consumer takes it, so downloads in flight plus
downloaded-but-unconsumed items never exceed it: back-pressure, and memory stays flat
however long the source is.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from facedex.pipeline import Item
from facedex.sources.download import DownloadOptions, Fetcher, FetchStats


@dataclass
class PageMark:
    """Passed through the queue before a feed page's items: what the checkpoint needs."""

    cursor: str | None  # the cursor that fetched this page
    next_cursor: str | None
    has_more: bool
    sources: list[str] = field(default_factory=list)


_END = object()


class Sink:
    """What a producer submits to. ``submit`` returns False once the stream is stopping."""

    def __init__(self, stream: DownloadStream, fetcher: Fetcher) -> None:
        self._s = stream
        self._f = fetcher
        self._tasks: set[asyncio.Task[None]] = set()
        self._recent: OrderedDict[str, None] = OrderedDict()

    @property
    def stopping(self) -> bool:
        return self._s.stop_reason is not None

    async def mark(self, mark: PageMark) -> None:
        self._s._q.put(mark)

    async def submit(self, item: Item) -> bool:
        s = self._s
        if s.stop_reason is not None:
            return False
        await s._slots.acquire()
        if s.stop_reason is not None:
            s._slots.release()
            return False
        if item.error_code is not None or (s.known is not None and s.known(item.source)):
            s._q.put(item)  # already indexed (the Ingestor counts it) or failed upstream
            return True
        if item.source in self._recent:  # listed twice: the first copy stands for both
            s._slots.release()
            return True
        self._recent[item.source] = None
        # Later repeats are caught by the catalog once written; this only covers the
        # items in flight, so a small cap keeps memory flat on endless feeds.
        if len(self._recent) > max(10_000, 8 * s.options.queue_size):
            self._recent.popitem(last=False)
        s.submitted += 1
        task = asyncio.create_task(self._download(item))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if s.max_items is not None and s.submitted >= s.max_items:
            s.stop_reason = "max_items"
        return True

    async def _download(self, item: Item) -> None:
        s = self._s
        res = await self._f.fetch_image(item.source)
        if res.error_code == "disk_quota":  # not recorded: a rerun with more room resumes
            s.stop_reason = "disk_quota"
            s._slots.release()
            return
        if res.ok:
            item.data = res.data
            item.size = len(res.data or b"")
            if res.final_url and res.final_url != item.source:
                item.meta = {**item.meta, "final_url": res.final_url}
        else:
            item.status, item.error_code, item.error = res.status, res.error_code, res.error
        s._q.put(item)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


Producer = Callable[[Fetcher, Sink], Awaitable[None]]


class DownloadStream:
    """Iterate for downloaded Items (and PageMarks); the loop thread stops with the
    iteration, whether it ends, breaks or raises."""

    def __init__(
        self,
        produce: Producer,
        options: DownloadOptions,
        *,
        known: Callable[[str], bool] | None = None,
        max_items: int | None = None,
        on_request: Callable[[str], None] | None = None,
    ) -> None:
        if max_items is not None and max_items <= 0:
            raise ValueError(f"max_items must be > 0, got {max_items}")
        self.produce = produce
        self.options = options
        self.known = known
        self.max_items = max_items
        self.on_request = on_request
        self.submitted = 0
        self.stop_reason: str | None = None
        self.stats = FetchStats()
        self._q: queue.Queue[Any] = queue.Queue()
        self._slots: asyncio.Semaphore
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._slots = asyncio.Semaphore(self.options.queue_size)
        async with Fetcher(self.options, on_request=self.on_request) as fetcher:
            self.stats = fetcher.stats
            sink = Sink(self, fetcher)
            try:
                await self.produce(fetcher, sink)
                if self.stop_reason is None:
                    self.stop_reason = "end"
                await sink.drain()
            finally:
                for t in list(sink._tasks):
                    t.cancel()

    def _thread(self) -> None:
        try:
            asyncio.run(self._main_task())
        except asyncio.CancelledError:
            pass
        except BaseException as e:  # handed to the consumer, which raises it
            self._q.put(e)
        finally:
            self._q.put(_END)

    async def _main_task(self) -> None:
        self._main = asyncio.current_task()
        await self._run()

    def _release(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has finished: nothing waits
                self._loop.call_soon_threadsafe(self._slots.release)

    def stop(self, reason: str = "stopped") -> None:
        """Stop submitting; items already downloading are dropped, not recorded."""
        if self.stop_reason in (None, "end"):
            self.stop_reason = reason
        loop, main = self._loop, self._main
        if loop is not None and main is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(main.cancel)

    def __iter__(self) -> Iterator[Item | PageMark]:
        t = threading.Thread(target=self._thread, name="facedex-download", daemon=True)
        t.start()
        finished = False
        try:
            while True:
                x = self._q.get()
                if x is _END:
                    finished = True
                    return
                if isinstance(x, BaseException):
                    finished = True
                    raise x
                if isinstance(x, Item):
                    self._release()
                yield x
        finally:
            if not finished:
                self.stop("interrupted" if self.stop_reason is None else self.stop_reason)
            t.join(timeout=30)
