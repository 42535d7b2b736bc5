"""End to end: a paginated feed with real faces and injected faults, crawled through the
CLI into a real library; every item's outcome checked in the catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import facedex
from facedex.cli import app
from facedex.sources.download import OptionError
from facedex.sources.feed import FeedConfig, get_path, load_feed_config
from tests.sources.conftest import FeedServer, feed_pages, feed_toml, png, png_bomb

DOWNLOAD = """[download]
backoff_base = 0.05
backoff_max = 0.2
total_timeout = 2.0
read_timeout = 2.0
"""


def crawl_cli(cfg: Path, lib: Path, *extra: str) -> dict[str, Any]:
    res = CliRunner().invoke(
        app,
        [
            "crawl",
            str(cfg),
            "-L",
            str(lib),
            "--allow-loopback",
            "--workers",
            "1",
            "--rate",
            "200",
            "-q",
            "--json",
            *extra,
        ],
    )
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    assert res.exit_code == 0, res.output
    out: dict[str, Any] = json.loads(res.output[res.output.index("{") :])
    return out


def test_feed_crawl_outcomes_and_resume(
    server: FeedServer, deepface_dir: Path, tmp_path: Path
) -> None:
    face1 = (deepface_dir / "img1.jpg").read_bytes()
    couple = (deepface_dir / "couple.jpg").read_bytes()
    u = server.url
    server.bytes("/img/face1.jpg", face1)
    server.bytes("/img/face1-copy.jpg", face1)  # same bytes, another URL
    server.bytes("/img/couple.jpg", couple, "application/octet-stream")
    server.bytes("/img/noface.png", png(96, 96), "image/png")
    server.bytes("/img/broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00garbage" * 20)
    server.bytes("/img/bomb.png", png_bomb(), "image/png")
    server.bytes("/private/p.jpg", face1)
    server.bytes("/img/noai.jpg", face1, headers={"X-Robots-Tag": "noai"})
    server.bytes("/img/html.jpg", b"<html><body>hi</body></html>", "text/html")
    server.add(
        "/img/429.jpg",
        lambda r: (
            r.send(429, b"", headers={"Retry-After": "1"})
            if r.n == 1
            else r.send(200, couple, "image/jpeg")
        ),
    )
    server.add(
        "/img/500.png",
        lambda r: (
            r.send(500, b"") if r.n == 1 else r.send(200, png(80, 80, (1, 2, 3)), "image/png")
        ),
    )
    server.add("/img/trunc.jpg", lambda r: r.send(200, face1[:100], length=len(face1)))

    def it(i: str, path: str | None, **kw: Any) -> dict[str, Any]:
        d = {
            "id": i,
            "url": u(path) if path else None,
            "permalink": f"https://site/p/{i}",
            "caption": f"caption {i}",
            "author": f"author {i}",
        }
        if path and path.startswith("http"):
            d["url"] = path
        return {**d, **kw}

    pages = [
        [
            it("a", "/img/face1.jpg"),
            it("b", "/img/couple.jpg"),
            it("c", "/img/noface.png"),
            it("d", "/img/broken.jpg"),
        ],
        [
            it("e", "/img/429.jpg"),
            it("f", "/img/500.png"),
            it("g", "/img/bomb.png"),
            it("h", "/private/p.jpg"),
        ],
        [
            it("i", "/img/noai.jpg"),
            it("j", "http://10.0.0.1/x.jpg"),
            it("k", "/img/face1-copy.jpg"),
            it("l", "/img/missing.jpg"),
        ],
        [it("m", "/img/html.jpg"), it("n", "/img/trunc.jpg"), it("o", None)],
    ]
    cfg = feed_toml(tmp_path, feed_pages(server, pages), extra=DOWNLOAD)
    lib = tmp_path / "lib"
    out = crawl_cli(cfg, lib, "--retries", "1")
    assert out["stop_reason"] == "end"
    assert out["checkpoint"]["finished"] is True and out["checkpoint"]["cursor"] == "c3"

    eng = facedex.open(str(lib), workers=1)
    cat = eng.catalog
    want = {
        "/img/face1.jpg": ("done", None),
        "/img/couple.jpg": ("done", None),
        "/img/noface.png": ("no_face", None),
        "/img/broken.jpg": ("error", "not_an_image"),
        "/img/429.jpg": ("duplicate", None),
        "/img/500.png": ("no_face", None),
        "/img/bomb.png": ("error", "too_many_pixels"),
        "/private/p.jpg": ("skipped", "robots_txt"),
        "/img/noai.jpg": ("skipped", "x_robots_tag"),
        "/img/face1-copy.jpg": ("duplicate", None),
        "/img/missing.jpg": ("error", "http_404"),
        "/img/html.jpg": ("error", "not_an_image"),
        "/img/trunc.jpg": ("error", "truncated"),
    }
    got = {}
    for path in want:
        row = cat.image_by_source(u(path))
        assert row is not None, path
        got[path] = (row.status, row.error_code)
        assert row.error if row.error_code else True
    assert got == want
    priv = cat.image_by_source("http://10.0.0.1/x.jpg")
    assert priv is not None and (priv.status, priv.error_code) == ("skipped", "private_address")
    nourl = cat.image_by_source("feed:test#o")
    assert nourl is not None and nourl.error_code == "no_image_url"
    assert cat.stats()["images"] == 15  # every item exactly once

    # metadata travels with the image and comes back with search results
    row = cat.image_by_source(u("/img/face1.jpg"))
    assert row is not None
    assert (row.page_url, row.caption, row.external_id) == ("https://site/p/a", "caption a", "a")
    assert row.meta["author"] == "author a"
    dup = cat.image_by_source(u("/img/face1-copy.jpg"))
    assert dup is not None and dup.duplicate_of == row.id
    hit = eng.search(deepface_dir / "img1.jpg", k=1).matches[0]
    assert hit.source == u("/img/face1.jpg") and hit.page_url == "https://site/p/a"
    assert hit.meta["author"] == "author a"
    assert len(eng.index) == cat.count_faces() >= 3
    eng.close()

    # a rerun resumes from the checkpoint: one feed page, nothing downloaded again
    n_img = sum(v for k, v in server.counts.items() if k.startswith("/img/"))
    before = len(server.hits_for("/feed"))
    out2 = crawl_cli(cfg, lib)
    assert out2["resumed_from"] == "c3"
    feed_hits = server.hits_for("/feed")[before:]
    assert [h.query.get("after") for h in feed_hits] == [["c3"]]
    assert sum(v for k, v in server.counts.items() if k.startswith("/img/")) == n_img
    assert out2["processed"] == 0 and out2["skipped"] == 3


def test_max_items_stops_and_resumes(server: FeedServer, tmp_path: Path) -> None:
    pages = [
        [
            {
                "id": f"{p}-{i}",
                "url": server.bytes(f"/t/{p}-{i}.png", png(4, 4, (p, i, 0)), "image/png"),
            }
            for i in range(5)
        ]
        for p in range(4)
    ]
    cfg = feed_toml(tmp_path, feed_pages(server, pages), extra=DOWNLOAD)
    lib = tmp_path / "lib"
    out = crawl_cli(cfg, lib, "--max-items", "7")
    assert out["stop_reason"] == "max_items" and out["processed"] == 7
    assert out["checkpoint"]["cursor"] == "c1"  # page 1 is only partly done
    out = crawl_cli(cfg, lib)
    assert out["resumed_from"] == "c1" and out["processed"] == 13 and out["skipped"] == 2
    eng = facedex.open(str(lib), workers=1)
    assert eng.catalog.stats()["images"] == 20
    eng.close()


def test_feed_config_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'url = "http://127.0.0.1/feed"\n[paths]\nitems="a"\nimage_url="b"\nnext_cursor="c"\n'
    )
    with pytest.raises(OptionError, match=r"\{cursor\}"):
        load_feed_config(bad)
    bad.write_text('url = "http://x/{cursor}"\n[paths]\nitems="a"\n')
    with pytest.raises(OptionError, match=r"paths\.image_url"):
        load_feed_config(bad)
    bad.write_text('url = "http://x/{cursor}"\nbogus=1\n[paths]\nitems="a"\n')
    with pytest.raises(OptionError, match="bogus"):
        load_feed_config(bad)
    y = tmp_path / "f.yaml"
    y.write_text(
        "url: http://x/api\nparams: {after: '{cursor}', n: 5}\npaths:\n  items: d\n"
        "  image_url: u\n  next_cursor: n\n"
    )
    cfg = load_feed_config(y)
    assert cfg.page_url("a b") == "http://x/api?after=a+b&n=5"
    assert (
        FeedConfig.from_dict(
            {
                "url": "http://h/{cursor}",
                "paths": {"items": "i", "image_url": "u", "next_cursor": "n"},
            }
        ).page_url("x/y")
        == "http://h/x%2Fy"
    )
    res = CliRunner().invoke(app, ["crawl", str(bad), "-L", str(tmp_path / "lib")])
    assert res.exit_code == 2 and "bogus" in res.output


def test_get_path() -> None:
    doc = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert get_path(doc, "a.b.1.c") == 2
    assert get_path(doc, "a.b.-1.c") == 2
    assert get_path(doc, "a.x") is not None and get_path(doc, "a.b.5") is not get_path(doc, "a")
