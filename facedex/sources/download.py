"""Polite, safe async HTTP fetching of images and feed pages.

One ``Fetcher`` per crawl holds the aiohttp session and, per host, a concurrency limit,
a request-rate limiter (the larger of our rate and robots.txt crawl-delay), a circuit
breaker and the parsed robots.txt. Every outcome is a ``Fetched`` with a stable
``error_code`` so each item can be recorded, never an exception the caller must guess at.

Safety: URLs whose host is or resolves to a private, loopback, link-local or otherwise
non-public address are refused before any connection (literal IPs are checked up front,
names through the resolver the connector uses, so DNS rebinding cannot slip through).
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from facedex import __version__
from facedex.store.base import ERROR, SKIPPED

DEFAULT_CONTACT = "https://github.com/facedex/facedex"
NOAI_TAGS = frozenset({"noai", "noimageai", "noindex", "noimageindex", "none"})
RETRY_STATUS = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})


class OptionError(ValueError):
    """A download option is out of range; the message names the option."""


@dataclass
class DownloadOptions:
    """Every knob of the downloader, validated before any work starts."""

    concurrency: int = 64  # downloads in flight, all hosts together
    per_host: int = 8  # downloads in flight per host
    per_host_rate: float | None = 10.0  # requests/s per host (None: no limit)
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0
    max_bytes: int = 50 * 1024 * 1024  # larger responses are refused (too_large)
    max_redirects: int = 5
    retries: int = 3  # extra tries on timeouts, 429 and 5xx
    backoff_base: float = 0.5  # seconds; doubles per try, with jitter
    backoff_max: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After fails the item (rate_limited)
    breaker_failures: int = 5  # consecutive host failures that open the circuit
    breaker_cooldown: float = 30.0  # seconds a tripped host is paused
    breaker_max_trips: int = 3  # after this many trips the host's items fail fast
    respect_robots: bool = True
    respect_x_robots_tag: bool = True
    x_robots_block: frozenset[str] = NOAI_TAGS
    user_agent: str = ""
    contact_url: str = DEFAULT_CONTACT
    allow_private: bool = False  # private (RFC 1918, ULA) addresses
    allow_loopback: bool = False  # 127.0.0.0/8 and ::1: for tests and local mirrors
    keep_originals: Path | None = None  # write downloaded bytes here (never otherwise)
    disk_quota: int | None = None  # bytes kept under keep_originals before the crawl stops
    queue_size: int = 0  # downloaded-but-not-consumed items (0: 2 x concurrency)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        positive = (
            "concurrency",
            "per_host",
            "connect_timeout",
            "read_timeout",
            "total_timeout",
            "max_bytes",
            "breaker_failures",
            "breaker_max_trips",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise OptionError(f"{name} must be > 0, got {getattr(self, name)}")
        for name in (
            "max_redirects",
            "retries",
            "backoff_base",
            "backoff_max",
            "max_retry_after",
            "breaker_cooldown",
            "queue_size",
        ):
            if getattr(self, name) < 0:
                raise OptionError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.per_host_rate is not None and self.per_host_rate <= 0:
            raise OptionError(
                f"per_host_rate must be > 0 requests/s or None, got {self.per_host_rate}"
            )
        if self.disk_quota is not None and self.disk_quota <= 0:
            raise OptionError(f"disk_quota must be > 0 bytes, got {self.disk_quota}")
        if self.disk_quota is not None and self.keep_originals is None:
            raise OptionError(
                "disk_quota limits what keep_originals writes; set "
                "keep_originals too (--keep-originals DIR)"
            )
        if not self.contact_url.startswith(("http://", "https://", "mailto:")):
            raise OptionError(
                f"contact_url must be an http(s) or mailto: URL, got {self.contact_url!r}"
            )
        if not self.user_agent:
            self.user_agent = f"facedex/{__version__} (+{self.contact_url})"
        elif "facedex" not in self.user_agent.lower():
            raise OptionError(
                "user_agent must name facedex so site owners can tell who "
                f"crawls them, got {self.user_agent!r}"
            )
        self.x_robots_block = frozenset(t.strip().lower() for t in self.x_robots_block)
        if self.keep_originals is not None:
            self.keep_originals = Path(self.keep_originals).expanduser()
        if not self.queue_size:
            self.queue_size = 2 * self.concurrency

    @property
    def robots_agent(self) -> str:
        return "facedex"


@dataclass(slots=True)
class Fetched:
    """The outcome of one fetch: ``data`` or a status ('error'/'skipped') and a code."""

    url: str
    data: bytes | None = None
    final_url: str | None = None
    content_type: str | None = None
    status: str | None = None
    error_code: str | None = None
    error: str | None = None
    http_status: int | None = None
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.error_code is None


class BlockedAddress(OSError):
    """Raised by the guarded resolver for a name that resolves to a refused address."""


class _Fail(Exception):
    """Internal: ends a fetch with a recorded outcome."""

    def __init__(
        self,
        status: str,
        code: str,
        message: str,
        retry: bool = False,
        retry_after: float | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.retry = status, code, retry
        self.retry_after, self.http_status = retry_after, http_status


def address_refusal(ip: str, opts: DownloadOptions) -> str | None:
    """Why ``ip`` may not be contacted, or None when it may."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return f"{ip!r} is not an IP address"
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.is_loopback:
        return None if opts.allow_loopback else f"{addr} is a loopback address"
    if addr.is_link_local:
        return f"{addr} is a link-local address"
    if addr.is_multicast or addr.is_unspecified or addr.is_reserved:
        return f"{addr} is not a unicast public address"
    if addr.is_private or not addr.is_global:
        return None if opts.allow_private else f"{addr} is a private address"
    return None


class GuardedResolver(AbstractResolver):
    """The connector's resolver: names resolving to a refused address never connect."""

    def __init__(self, opts: DownloadOptions) -> None:
        self.opts = opts
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        hosts = await self._inner.resolve(host, port, family)
        for h in hosts:
            why = address_refusal(h["host"], self.opts)
            if why is not None:
                raise BlockedAddress(f"{host} resolves to {why}")
        return hosts

    async def close(self) -> None:
        await self._inner.close()


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def x_robots_refusal(values: list[str], agent: str, block: frozenset[str]) -> str | None:
    """The blocking directive in X-Robots-Tag headers meant for us or for everyone."""
    for value in values:
        scope, _, rest = value.partition(":")
        directives = value
        if rest and scope.strip().lower() not in NOAI_TAGS | {
            "max-snippet",
            "unavailable_after",
            "max-image-preview",
        }:
            if scope.strip().lower() not in (agent, "*"):
                continue  # addressed to another bot
            directives = rest
        for d in directives.split(","):
            if d.strip().lower() in block:
                return d.strip().lower()
    return None


def looks_like_text(head: bytes) -> bool:
    """HTML, XML, JSON or plain text: no image starts like this (SVG is not decodable)."""
    h = head.lstrip()[:64].lower()
    return h.startswith(
        (b"<!doctype", b"<html", b"<?xml", b"<svg", b"{", b"[", b"<head", b"<body", b"<!--")
    )


class _Host:
    """Per-host politeness: concurrency, request spacing, circuit breaker, robots.txt."""

    def __init__(self, per_host: int) -> None:
        self.sem = asyncio.Semaphore(per_host)
        self.next_slot = 0.0
        self.interval = 0.0
        self.paused_until = 0.0
        self.failures = 0
        self.trips = 0
        self.robots: Any = None  # protego.Protego, or False when robots.txt forbids all
        self.robots_lock = asyncio.Lock()
        self.robots_loaded = False

    async def wait_turn(self) -> None:
        now = time.monotonic()
        start = max(now, self.next_slot, self.paused_until)
        self.next_slot = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


@dataclass
class FetchStats:
    requests: int = 0
    downloaded: int = 0
    bytes: int = 0
    retries: int = 0
    kept_bytes: int = 0


class Fetcher:
    """Fetches URLs politely; use inside a running event loop (``async with``)."""

    def __init__(
        self, opts: DownloadOptions, on_request: Callable[[str], None] | None = None
    ) -> None:
        self.opts = opts
        self.stats = FetchStats()
        self.on_request = on_request
        self._hosts: dict[str, _Host] = {}
        self._global = asyncio.Semaphore(opts.concurrency)
        self._session: aiohttp.ClientSession | None = None
        self.quota_hit = False

    async def __aenter__(self) -> Fetcher:
        o = self.opts
        conn = aiohttp.TCPConnector(
            limit=o.concurrency,
            limit_per_host=o.per_host,
            resolver=GuardedResolver(o),
            ttl_dns_cache=60,
        )
        timeout = aiohttp.ClientTimeout(
            total=o.total_timeout, sock_connect=o.connect_timeout, sock_read=o.read_timeout
        )
        self._session = aiohttp.ClientSession(
            connector=conn,
            timeout=timeout,
            auto_decompress=True,
            headers={"User-Agent": o.user_agent, **o.headers},
        )
        if o.keep_originals is not None:
            o.keep_originals.mkdir(parents=True, exist_ok=True)
            self.stats.kept_bytes = sum(
                p.stat().st_size for p in o.keep_originals.rglob("*") if p.is_file()
            )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    def _host(self, origin: str) -> _Host:
        h = self._hosts.get(origin)
        if h is None:
            h = self._hosts[origin] = _Host(self.opts.per_host)
            if self.opts.per_host_rate:
                h.interval = 1.0 / self.opts.per_host_rate
        return h

    # -- public -------------------------------------------------------------------
    async def fetch_image(self, url: str) -> Fetched:
        """Download an image with every check; the body is returned, never written unless
        ``keep_originals`` is set."""
        res = await self.fetch(url, image=True)
        if res.ok and res.data is not None:
            self.stats.downloaded += 1
            if self.opts.keep_originals is not None and not await self._keep(res.data):
                res.data, res.status, res.error_code = None, SKIPPED, "disk_quota"
                res.error = (
                    f"keeping it would pass the {self.opts.disk_quota} byte disk "
                    "quota (disk_quota); the crawl stops and a rerun resumes here"
                )
        return res

    async def fetch(
        self, url: str, *, image: bool = False, extra_headers: dict[str, str] | None = None
    ) -> Fetched:
        res = Fetched(url=url)
        try:
            async with self._global:
                data, final, ctype = await self._fetch_following(url, image, extra_headers, res)
            res.data, res.final_url, res.content_type = data, final, ctype
        except _Fail as f:
            res.status, res.error_code, res.error = f.status, f.code, str(f)
            res.http_status = f.http_status or res.http_status
        return res

    # -- internals ----------------------------------------------------------------
    def _check_url(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise _Fail(
                SKIPPED if parts.scheme else ERROR,
                "unsupported_scheme",
                f"only http and https URLs are fetched, not {url!r}",
            )
        host = parts.hostname
        if not host:
            raise _Fail(ERROR, "bad_url", f"no host in URL {url!r}")
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            literal = True
        except ValueError:
            literal = False
        if literal:
            why = address_refusal(host, self.opts)
            if why is not None:
                raise _Fail(
                    SKIPPED,
                    "private_address",
                    f"refused: {why} (allow_private/allow_loopback to fetch it)",
                )
        elif not self.opts.allow_loopback and (
            host in ("localhost", "localhost.localdomain") or host.endswith(".localhost")
        ):
            raise _Fail(
                SKIPPED,
                "private_address",
                f"refused: {host} is a loopback name (allow_loopback to fetch it)",
            )
        return f"{parts.scheme}://{parts.netloc}".lower(), parts.path or "/"

    async def _fetch_following(
        self, url: str, image: bool, extra_headers: dict[str, str] | None, res: Fetched
    ) -> tuple[bytes, str, str | None]:
        seen: set[str] = set()
        current = url
        for _hop in range(self.opts.max_redirects + 1):
            if current in seen:
                raise _Fail(ERROR, "redirect_loop", f"redirect loop back to {current}")
            seen.add(current)
            origin, _ = self._check_url(current)
            host = self._host(origin)
            if self.opts.respect_robots and not await self._robots_allow(host, origin, current):
                raise _Fail(
                    SKIPPED,
                    "robots_txt",
                    f"disallowed for {self.opts.robots_agent} by {origin}/robots.txt",
                )
            out = await self._with_retries(host, current, image, extra_headers, res)
            if isinstance(out, str):
                current = out  # a redirect
                continue
            return out[0], current, out[1]
        raise _Fail(
            ERROR,
            "too_many_redirects",
            f"more than {self.opts.max_redirects} redirects (max_redirects)",
        )

    async def _with_retries(
        self, host: _Host, url: str, image: bool, extra_headers: dict[str, str] | None, res: Fetched
    ) -> str | tuple[bytes, str | None]:
        o = self.opts
        attempt = 0
        while True:
            attempt += 1
            res.attempts += 1
            try:
                async with host.sem:
                    await self._breaker_gate(host)
                    await host.wait_turn()
                    await self._breaker_gate(host)
                    out = await self._once(url, image, extra_headers, res)
                host.failures = 0
                return out
            except _Fail as f:
                if f.retry:
                    self._host_failed(host)
                if not f.retry or attempt > o.retries:
                    raise
                wait = min(o.backoff_max, o.backoff_base * 2 ** (attempt - 1))
                wait *= random.uniform(0.5, 1.5)  # jitter: don't retry in lockstep
                if f.retry_after is not None:
                    if f.retry_after > o.max_retry_after:
                        raise _Fail(
                            ERROR,
                            "rate_limited",
                            f"server asked to wait {f.retry_after:.0f}s, over "
                            f"max_retry_after ({o.max_retry_after:.0f}s)",
                            http_status=f.http_status,
                        ) from None
                    wait = max(wait, f.retry_after)
                    host.paused_until = max(host.paused_until, time.monotonic() + f.retry_after)
                self.stats.retries += 1
                await asyncio.sleep(wait)

    async def _breaker_gate(self, host: _Host) -> None:
        """Wait out a tripped host's pause; give up on it after too many trips."""
        o = self.opts
        while True:
            if host.trips > o.breaker_max_trips:
                raise _Fail(
                    ERROR,
                    "host_down",
                    f"host kept failing ({host.trips} circuit-breaker trips of "
                    f"{o.breaker_failures} failures in a row); its remaining items are not "
                    "fetched this run",
                )
            wait = host.paused_until - time.monotonic()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def _host_failed(self, host: _Host) -> None:
        host.failures += 1
        if host.failures >= self.opts.breaker_failures:
            host.trips += 1
            host.failures = 0
            cool = self.opts.breaker_cooldown * 2 ** (host.trips - 1)
            host.paused_until = max(host.paused_until, time.monotonic() + cool)

    async def _once(
        self, url: str, image: bool, extra_headers: dict[str, str] | None, res: Fetched
    ) -> str | tuple[bytes, str | None]:
        assert self._session is not None
        o = self.opts
        self.stats.requests += 1
        if self.on_request is not None:
            self.on_request(url)
        try:
            async with self._session.get(url, allow_redirects=False, headers=extra_headers) as resp:
                res.http_status = resp.status
                if resp.status in REDIRECT_STATUS:
                    loc = resp.headers.get("Location")
                    if not loc:
                        raise _Fail(
                            ERROR,
                            "bad_redirect",
                            f"HTTP {resp.status} without Location",
                            http_status=resp.status,
                        )
                    return urljoin(url, loc)
                if resp.status in RETRY_STATUS or resp.status >= 500:
                    raise _Fail(
                        ERROR,
                        f"http_{resp.status}",
                        f"HTTP {resp.status} {resp.reason}",
                        retry=True,
                        http_status=resp.status,
                        retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                    )
                if resp.status >= 400:
                    raise _Fail(
                        ERROR,
                        f"http_{resp.status}",
                        f"HTTP {resp.status} {resp.reason}",
                        http_status=resp.status,
                    )
                if image and o.respect_x_robots_tag:
                    tag = x_robots_refusal(
                        resp.headers.getall("X-Robots-Tag", []), o.robots_agent, o.x_robots_block
                    )
                    if tag is not None:
                        raise _Fail(
                            SKIPPED,
                            "x_robots_tag",
                            f"the image's X-Robots-Tag says {tag} "
                            "(respect_x_robots_tag=False to ignore it)",
                        )
                length = resp.content_length
                if length is not None and length > o.max_bytes:
                    raise _Fail(
                        ERROR,
                        "too_large",
                        f"response is {length} bytes, over the "
                        f"{o.max_bytes} byte limit (max_bytes)",
                    )
                body = bytearray()
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    if image and not body and looks_like_text(chunk[:64]):
                        raise _Fail(
                            ERROR,
                            "not_an_image",
                            f"body is text/markup, not an image (Content-Type "
                            f"{resp.content_type or 'missing'})",
                        )
                    body += chunk
                    if len(body) > o.max_bytes:
                        raise _Fail(
                            ERROR,
                            "too_large",
                            f"response exceeds the {o.max_bytes} byte limit (max_bytes)",
                        )
                if not body:
                    raise _Fail(ERROR, "empty", "empty response body")
                self.stats.bytes += len(body)
                return bytes(body), resp.headers.get("Content-Type")
        except _Fail:
            raise
        except aiohttp.ClientConnectorError as e:
            if isinstance(e.os_error, BlockedAddress):
                raise _Fail(
                    SKIPPED, "private_address", f"refused: {e.os_error} (allow_private to fetch it)"
                ) from None
            raise _Fail(
                ERROR, "connect_failed", f"cannot connect: {e.os_error}", retry=True
            ) from None
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as e:
            raise _Fail(ERROR, "truncated", f"response cut short: {e}", retry=True) from None
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise _Fail(
                ERROR,
                "timeout",
                "timed out (connect_timeout/read_timeout/total_timeout)",
                retry=True,
            ) from None
        except aiohttp.TooManyRedirects:
            raise _Fail(ERROR, "too_many_redirects", "too many redirects") from None
        except aiohttp.InvalidURL as e:
            raise _Fail(ERROR, "bad_url", f"invalid URL: {e}") from None
        except aiohttp.ClientError as e:
            raise _Fail(ERROR, "http_error", f"{type(e).__name__}: {e}", retry=True) from None

    async def _robots_allow(self, host: _Host, origin: str, url: str) -> bool:
        if not host.robots_loaded:
            async with host.robots_lock:
                if not host.robots_loaded:
                    host.robots = await self._load_robots(host, origin)
                    host.robots_loaded = True
        if host.robots is None:
            return True
        if host.robots is False:
            raise _Fail(
                ERROR,
                "robots_unavailable",
                f"{origin}/robots.txt could not be read (server error or unreachable), so "
                "nothing on the host is fetched (RFC 9309); rerun later",
            )
        return bool(host.robots.can_fetch(url, self.opts.robots_agent))

    async def _load_robots(self, host: _Host, origin: str) -> Any:
        """Parsed robots.txt; None (allow all) if absent (4xx), False (allow none) if it
        cannot be read after retries, as RFC 9309 asks. Its crawl-delay and request-rate
        slow our requests to the host."""
        from protego import Protego

        url = origin + "/robots.txt"
        res = Fetched(url=url)
        try:
            out = await self._with_retries(host, url, False, None, res)
        except _Fail as f:
            if f.http_status is not None and 400 <= f.http_status < 500 and f.http_status != 429:
                return None
            if f.code == "private_address":
                raise
            return False
        if isinstance(out, str):  # robots.txt redirects: treat as absent, as most crawlers
            return None
        text = out[0][: 512 * 1024].decode("utf-8", "replace")
        rp = Protego.parse(text)
        delay = rp.crawl_delay(self.opts.robots_agent)
        rate = rp.request_rate(self.opts.robots_agent)
        if rate is not None and rate.requests:
            delay = max(delay or 0.0, rate.seconds / rate.requests)
        if delay:
            host.interval = max(host.interval, float(delay))
        return rp

    async def _keep(self, data: bytes) -> bool:
        import hashlib

        o = self.opts
        assert o.keep_originals is not None
        if o.disk_quota is not None and self.stats.kept_bytes + len(data) > o.disk_quota:
            self.quota_hit = True
            return False
        digest = hashlib.sha256(data).hexdigest()
        path = o.keep_originals / digest[:2] / digest
        if path.exists():
            return True

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(path)

        await asyncio.to_thread(write)
        self.stats.kept_bytes += len(data)
        return True
