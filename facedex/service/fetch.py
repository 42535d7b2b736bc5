"""Fetch a query image from a URL without becoming an open proxy into the private network:
http(s) only, every resolved address must be public (loopback only when the operator
allows it), no redirects to elsewhere unchecked, and a size and time limit."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import httpx


class FetchError(Exception):
    """The URL cannot be used; the message says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _check_host(url: str, allow_loopback: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("image URL must be an http:// or https:// address")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80),
            type=socket.SOCK_STREAM,
        )
    except OSError:
        raise FetchError(f"cannot resolve host {parts.hostname!r}") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if ip.is_loopback and allow_loopback:
            continue
        if not ip.is_global or ip.is_multicast:
            raise FetchError(
                f"image URL points to a private or reserved address ({ip}); "
                "only public addresses are fetched"
            )


async def fetch_image(
    url: str, *, max_bytes: int, timeout: float, allow_loopback: bool, max_redirects: int = 3
) -> bytes:
    """The body of ``url`` (at most ``max_bytes``), checked at every redirect hop."""
    async with httpx.AsyncClient(
        follow_redirects=False, timeout=timeout, trust_env=False
    ) as client:
        try:
            async with asyncio.timeout(timeout):
                for _ in range(max_redirects + 1):
                    await _check_host(url, allow_loopback)
                    async with client.stream("GET", url) as resp:
                        if resp.is_redirect and "location" in resp.headers:
                            url = urljoin(url, resp.headers["location"])
                            continue
                        if resp.status_code != 200:
                            raise FetchError(f"image URL answered HTTP {resp.status_code}", 422)
                        size = int(resp.headers.get("content-length") or 0)
                        if size > max_bytes:
                            raise FetchError(
                                f"image at URL is {size} bytes, over the {max_bytes} byte limit",
                                413,
                            )
                        buf = bytearray()
                        async for chunk in resp.aiter_bytes():
                            buf += chunk
                            if len(buf) > max_bytes:
                                raise FetchError(
                                    f"image at URL is over the {max_bytes} byte limit", 413
                                )
                        return bytes(buf)
                raise FetchError("image URL redirects too many times", 422)
        except TimeoutError:
            raise FetchError(f"image URL took longer than {timeout:g} s", 422) from None
        except httpx.HTTPError as e:
            raise FetchError(f"cannot fetch image URL: {type(e).__name__}", 422) from None
