"""The downloader against a local server with injected faults; no models needed."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from typing import Any

import pytest

from facedex.sources.download import (
    DownloadOptions,
    Fetched,
    Fetcher,
    OptionError,
    address_refusal,
    parse_retry_after,
    x_robots_refusal,
)
from tests.sources.conftest import FeedServer, png

FAST = dict(
    allow_loopback=True,
    per_host_rate=None,
    retries=2,
    backoff_base=0.05,
    backoff_max=0.2,
    total_timeout=1.5,
    read_timeout=1.0,
    connect_timeout=1.0,
    max_bytes=2_000_000,
    breaker_failures=100,
)


def fetch_all(urls: list[str], **kw: Any) -> dict[str, Fetched]:
    opts = DownloadOptions(**{**FAST, **kw})
    requested: list[str] = []

    async def go() -> dict[str, Fetched]:
        async with Fetcher(opts, on_request=requested.append) as f:
            res = await asyncio.gather(*(f.fetch_image(u) for u in urls))
        return dict(zip(urls, res, strict=True))

    out = asyncio.run(go())
    out["_requested"] = requested  # type: ignore[assignment]
    return out


def outcome(r: Fetched) -> tuple[str | None, str | None]:
    return (r.status, r.error_code)


def test_faults_each_get_a_status_and_code(server: FeedServer) -> None:
    img = png(64, 64)
    ok = server.bytes("/img/ok.png", img, "image/png")
    wrong_type = server.bytes("/img/wrongtype.png", img, "text/plain")
    html = server.bytes("/img/page.jpg", b"<!DOCTYPE html><html>nope</html>", "image/jpeg")
    robots = server.bytes("/private/a.png", img, "image/png")
    noai = server.bytes("/img/noai.png", img, "image/png", {"X-Robots-Tag": "noai"})
    other_bot = server.bytes(
        "/img/otherbot.png", img, "image/png", {"X-Robots-Tag": "googlebot: noindex"}
    )
    missing = server.url("/img/missing.png")
    server.add("/img/loop1.png", lambda r: r.send(302, b"", headers={"Location": "/img/loop2.png"}))
    server.add("/img/loop2.png", lambda r: r.send(302, b"", headers={"Location": "/img/loop1.png"}))
    server.add("/img/redir.png", lambda r: r.send(301, b"", headers={"Location": "/img/ok.png"}))
    for i in range(8):
        server.add(
            f"/img/chain{i}.png",
            lambda r, i=i: r.send(302, b"", headers={"Location": f"/img/chain{i + 1}.png"}),
        )
    huge = server.bytes("/img/huge.png", b"\x89PNG" + os.urandom(3_000_000), "image/png")
    server.add(
        "/img/huge-stream.png",
        lambda r: r.send(200, b"\x89PNG" + os.urandom(3_000_000), "image/png", no_length=True),
    )
    server.add("/img/truncated.png", lambda r: r.send(200, img[:50], "image/png", length=5000))
    server.add("/img/always500.png", lambda r: r.send(500, b"oops", "text/plain"))
    server.add(
        "/img/flaky500.png",
        lambda r: r.send(503, b"", "text/plain") if r.n <= 2 else r.send(200, img, "image/png"),
    )
    server.add(
        "/img/429.png",
        lambda r: (
            r.send(429, b"", headers={"Retry-After": "1"})
            if r.n == 1
            else r.send(200, img, "image/png")
        ),
    )

    def slow(r: Any) -> None:
        time.sleep(2.5)
        r.send(200, img, "image/png")

    server.add("/img/slow.png", slow)
    urls = [
        ok,
        wrong_type,
        html,
        robots,
        noai,
        other_bot,
        missing,
        server.url("/img/loop1.png"),
        server.url("/img/redir.png"),
        server.url("/img/chain0.png"),
        huge,
        server.url("/img/huge-stream.png"),
        server.url("/img/truncated.png"),
        server.url("/img/always500.png"),
        server.url("/img/flaky500.png"),
        server.url("/img/429.png"),
        server.url("/img/slow.png"),
        "http://10.0.0.1/x.jpg",
        "ftp://127.0.0.1/x.jpg",
    ]
    t0 = time.monotonic()
    res = fetch_all(urls, retries=2)
    took = time.monotonic() - t0
    got = {u: outcome(r) for u, r in res.items() if u != "_requested"}
    expected = {
        "ok.png": (None, None),
        "wrongtype.png": (None, None),  # the bytes decide, not the header
        "page.jpg": ("error", "not_an_image"),
        "a.png": ("skipped", "robots_txt"),
        "noai.png": ("skipped", "x_robots_tag"),
        "otherbot.png": (None, None),  # addressed to another crawler
        "missing.png": ("error", "http_404"),
        "loop1.png": ("error", "redirect_loop"),
        "redir.png": (None, None),
        "chain0.png": ("error", "too_many_redirects"),
        "huge.png": ("error", "too_large"),
        "huge-stream.png": ("error", "too_large"),
        "truncated.png": ("error", "truncated"),
        "always500.png": ("error", "http_500"),
        "flaky500.png": (None, None),
        "429.png": (None, None),
        "slow.png": ("error", "timeout"),
    }
    assert {u.rsplit("/", 1)[-1]: o for u, o in got.items() if "127.0.0.1:" in u} == expected
    assert got["http://10.0.0.1/x.jpg"] == ("skipped", "private_address")
    assert got["ftp://127.0.0.1/x.jpg"] == ("skipped", "unsupported_scheme")
    assert res[ok].data == img and res[wrong_type].data == img
    assert res[server.url("/img/redir.png")].final_url == ok
    # retried exactly as configured, and the 429 waited for its Retry-After
    assert server.counts["/img/always500.png"] == 3
    assert server.counts["/img/flaky500.png"] == 3
    h429 = server.hits_for("/img/429.png")
    assert len(h429) == 2 and h429[1].t - h429[0].t >= 0.95
    # robots.txt fetched once, refused paths never requested, names us in the User-Agent
    assert server.counts["/robots.txt"] == 1
    assert "/private/a.png" not in server.counts
    assert all("facedex" in h.user_agent for h in server.hits)
    # nothing ever went to 10.0.0.1
    assert not [u for u in res["_requested"] if "10.0.0.1" in u]  # type: ignore[union-attr]
    assert took < 20


def test_private_names_refused_before_connecting(server: FeedServer) -> None:
    ok = server.bytes("/img/ok.png", png(16, 16), "image/png")
    res = fetch_all([ok, ok.replace("127.0.0.1", "localhost")], allow_loopback=False)
    assert outcome(res[ok]) == ("skipped", "private_address")
    assert all(r.error_code == "private_address" for k, r in res.items() if k != "_requested")
    assert server.hits == []  # not even robots.txt


@pytest.mark.parametrize(
    "ip,refused",
    [
        ("10.0.0.1", True),
        ("192.168.1.1", True),
        ("172.16.0.1", True),
        ("169.254.169.254", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("0.0.0.0", True),
        ("::ffff:10.0.0.1", True),
        ("224.0.0.1", True),
        ("8.8.8.8", False),
        ("2606:4700::1", False),
    ],
)
def test_address_policy(ip: str, refused: bool) -> None:
    assert (address_refusal(ip, DownloadOptions()) is not None) is refused


def test_guarded_resolver_refuses_names_resolving_to_loopback() -> None:
    from facedex.sources.download import BlockedAddress, GuardedResolver

    async def go() -> None:
        r = GuardedResolver(DownloadOptions())
        with pytest.raises(BlockedAddress):
            await r.resolve("localhost", 80)
        await r.close()

    asyncio.run(go())


def test_rate_limit_measured_at_the_server(server: FeedServer) -> None:
    img = png(8, 8)
    urls = [server.bytes(f"/img/r{i}.png", img, "image/png") for i in range(10)]
    res = fetch_all(urls, per_host_rate=8.0, concurrency=32, per_host=8)
    assert all(r.ok for k, r in res.items() if k != "_requested")
    times = sorted(h.t for h in server.hits)  # robots.txt counts too
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 8 * 0.85, gaps
    for i, t in enumerate(times):  # 8/s: at most 8 gaps (9 starts) in any one-second window
        assert sum(1 for u in times[i:] if u - t < 1.0) <= 9


def test_robots_crawl_delay_slows_requests(server: FeedServer) -> None:
    server.bytes("/robots.txt", b"User-agent: *\nCrawl-delay: 0.4\n", "text/plain")
    urls = [server.bytes(f"/img/d{i}.png", png(8, 8), "image/png") for i in range(4)]
    fetch_all(urls, per_host_rate=100.0)
    times = sorted(h.t for h in server.hits if h.path != "/robots.txt")
    assert all(b - a >= 0.35 for a, b in itertools.pairwise(times))


def test_unreadable_robots_txt_means_nothing_is_fetched(server: FeedServer) -> None:
    server.add("/robots.txt", lambda r: r.send(503, b"", "text/plain"))
    url = server.bytes("/img/x.png", png(8, 8), "image/png")
    res = fetch_all([url], retries=2)
    assert outcome(res[url]) == ("error", "robots_unavailable")
    assert server.counts["/robots.txt"] == 3  # retried like any request
    assert "/img/x.png" not in server.counts


def test_missing_robots_txt_allows_all(server: FeedServer) -> None:
    server.add("/robots.txt", lambda r: r.send(404, b"", "text/plain"))
    url = server.bytes("/private/x.png", png(8, 8), "image/png")
    assert fetch_all([url])[url].ok


def test_circuit_breaker_stops_hammering_a_failing_host(server: FeedServer) -> None:
    server.add("/img/down.png", lambda r: r.send(500, b"", "text/plain"))
    urls = [server.url(f"/img/down.png?{i}") for i in range(30)]
    res = fetch_all(
        urls, retries=0, breaker_failures=3, breaker_cooldown=0.2, breaker_max_trips=1, per_host=1
    )
    codes = [r.error_code for k, r in res.items() if k != "_requested"]
    assert set(codes) <= {"http_500", "host_down"} and "host_down" in codes
    assert server.counts["/img/down.png"] <= 8


def test_keep_originals_only_when_asked(server: FeedServer, tmp_path: Any) -> None:
    img = png(20, 20)
    url = server.bytes("/img/k.png", img, "image/png")
    fetch_all([url])
    assert not list(tmp_path.rglob("*"))
    keep = tmp_path / "orig"
    fetch_all([url], keep_originals=keep)
    files = [p for p in keep.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == img
    res = fetch_all(
        [server.bytes("/img/k2.png", png(21, 21), "image/png")],
        keep_originals=keep,
        disk_quota=len(img) + 10,
    )
    assert [r.error_code for k, r in res.items() if k != "_requested"] == ["disk_quota"]


def test_options_are_validated_up_front() -> None:
    with pytest.raises(OptionError, match="per_host_rate"):
        DownloadOptions(per_host_rate=0)
    with pytest.raises(OptionError, match="concurrency"):
        DownloadOptions(concurrency=0)
    with pytest.raises(OptionError, match="user_agent must name facedex"):
        DownloadOptions(user_agent="Mozilla/5.0")
    with pytest.raises(OptionError, match="keep_originals"):
        DownloadOptions(disk_quota=10)
    ua = DownloadOptions(contact_url="https://example.org/bot").user_agent
    assert ua.startswith("facedex/") and "https://example.org/bot" in ua


def test_header_helpers() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("garbage") is None
    assert 0 <= (parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") or 0) == 0
    block = DownloadOptions().x_robots_block
    assert x_robots_refusal(["noimageai"], "facedex", block) == "noimageai"
    assert x_robots_refusal(["facedex: noai, nofollow"], "facedex", block) == "noai"
    assert x_robots_refusal(["otherbot: noai"], "facedex", block) is None
    assert x_robots_refusal(["nofollow"], "facedex", block) is None
