"""Abuse and overload control: per-client token buckets (429) and a bounded gate in front
of the CPU-bound photo analysis (503), so the server sheds load instead of falling over."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Overloaded(Exception):
    """Refuse now and tell the client when to come back."""

    def __init__(self, status: int, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = max(1, round(retry_after + 0.499))


class RateLimiter:
    """Token bucket per client key; the least recently seen clients are forgotten first."""

    def __init__(self, rate_per_s: float, burst: float, max_clients: int = 10_000) -> None:
        self.rate = rate_per_s
        self.burst = burst
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, cost: float = 1.0) -> None:
        """Spend ``cost`` tokens or raise Overloaded(429)."""
        if self.rate <= 0 or cost <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < cost:
                self._buckets[client] = (tokens, now)
                raise Overloaded(
                    429,
                    f"too many requests from this client; limit is {self.rate:g}/s",
                    (cost - tokens) / self.rate,
                )
            self._buckets[client] = (tokens - cost, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)


class Gate:
    """At most ``slots`` jobs run, at most ``queue`` wait (up to ``timeout`` s); others: 503."""

    def __init__(self, slots: int, queue: int, timeout: float) -> None:
        self.slots = slots
        self.queue = queue
        self.timeout = timeout
        self.running = 0
        self.waiting = 0
        self._sem: asyncio.Semaphore | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        if self._sem is None:  # bound to the running loop on first use
            self._sem = asyncio.Semaphore(self.slots)
        return self._sem

    def check(self) -> None:
        """Shed now if a new job could not even queue (call before reading an upload)."""
        if self._semaphore().locked() and self.waiting >= self.queue:
            raise Overloaded(
                503, "the server is busy analysing photos; try again shortly", self.timeout / 2
            )

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        self.check()
        sem = self._semaphore()
        self.waiting += 1
        try:
            await asyncio.wait_for(sem.acquire(), self.timeout)
        except TimeoutError:
            raise Overloaded(
                503, "the server is busy analysing photos; try again shortly", self.timeout / 2
            ) from None
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            sem.release()
