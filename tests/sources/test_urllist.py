"""URL lists in every format, through the CLI and the Python API; folder --watch."""

from __future__ import annotations

import csv
import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import facedex
from facedex.cli import app
from facedex.sources.download import DownloadOptions, OptionError
from facedex.sources.run import ingest_urls, run_source
from facedex.sources.urllist import Columns, UrlList
from facedex.sources.watch import WatchFolderSource
from tests.sources.conftest import FeedServer, png, tiny_png


def _rows(server: FeedServer, n: int = 4) -> list[dict[str, str]]:
    return [
        {
            "image_url": server.bytes(f"/u/{i}.png", tiny_png(i), "image/png"),
            "permalink": f"https://site/{i}",
            "alt": f"pic {i}",
            "key": f"k{i}",
            "license": "cc-by",
            "width_hint": str(i),
        }
        for i in range(n)
    ]


def test_formats_read_the_same_items(server: FeedServer, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _rows(server)
    (tmp_path / "l.txt").write_text("# comment\n\n" + "\n".join(r["image_url"] for r in rows))
    with (tmp_path / "l.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (tmp_path / "l.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "l.parquet")
    for name in ("l.csv", "l.jsonl", "l.parquet"):
        items = list(UrlList(tmp_path / name))
        assert [i.source for i in items] == [r["image_url"] for r in rows]
        assert items[1].page_url == "https://site/1" and items[1].caption == "pic 1"
        assert items[1].external_id == "k1"
        assert items[1].meta == {"license": "cc-by", "width_hint": "1"}
    assert [i.source for i in UrlList(tmp_path / "l.txt")] == [r["image_url"] for r in rows]
    with pytest.raises(OptionError, match="no URL column"):
        UrlList(tmp_path / "l.csv", Columns(url=None, caption="alt"), fmt="csv").columns.resolve(
            ["a", "b"], "x"
        )
    with pytest.raises(OptionError, match="no caption column 'nope'"):
        UrlList(tmp_path / "l.csv", Columns(caption="nope"))


def test_cli_ingest_csv_and_rerun(server: FeedServer, deepface_dir: Path, tmp_path: Path) -> None:
    rows = _rows(server, 3)
    rows.append(
        {
            "image_url": server.bytes("/u/face.jpg", (deepface_dir / "img2.jpg").read_bytes()),
            "permalink": "https://site/face",
            "alt": "a face",
            "key": "f",
            "license": "cc0",
            "width_hint": "",
        }
    )
    rows.append(
        {
            "image_url": server.bytes("/private/x.png", png(9, 9), "image/png"),
            "permalink": "",
            "alt": "",
            "key": "p",
            "license": "",
            "width_hint": "",
        }
    )
    lst = tmp_path / "urls.csv"
    with lst.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    lib = tmp_path / "lib"
    args = ["ingest", str(lst), "-L", str(lib), "--allow-loopback", "--workers", "1", "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output[res.output.index("{") :])
    assert out["processed"] == 5 and out["faces"] == 1 and out["downloaded"] == 4
    assert out["refusals"] == {"robots_txt": 1} and out["errors"] == {"too_small": 3}
    eng = facedex.open(str(lib), workers=1)
    m = eng.search(deepface_dir / "img2.jpg", k=1).matches[0]
    assert (m.page_url, m.caption, m.meta) == ("https://site/face", "a face", {"license": "cc0"})
    eng.close()
    n = len(server.hits)
    res = CliRunner().invoke(app, args)
    out = json.loads(res.output[res.output.index("{") :])
    assert out["processed"] == 0 and out["skipped"] == 5
    assert len(server.hits) == n  # nothing fetched again
    # refused without --allow-loopback: a clear per-item outcome, no traffic
    res = CliRunner().invoke(
        app, ["ingest", str(lst), "-L", str(tmp_path / "lib2"), "--json", "--workers", "1"]
    )
    out = json.loads(res.output[res.output.index("{") :])
    assert out["refusals"] == {"private_address": 5} and len(server.hits) == n


def test_cli_rejects_bad_options(tmp_path: Path) -> None:
    lst = tmp_path / "u.txt"
    lst.write_text("http://127.0.0.1:1/x.png\n")
    r = CliRunner().invoke(app, ["ingest", str(lst), "-L", str(tmp_path / "l"), "--rate", "0"])
    assert r.exit_code == 2 and "per_host_rate" in r.output
    r = CliRunner().invoke(app, ["ingest", str(lst), "-L", str(tmp_path / "l"), "--watch"])
    assert r.exit_code == 2 and "--watch needs a folder" in r.output
    r = CliRunner().invoke(
        app, ["ingest", str(lst), "-L", str(tmp_path / "l"), "--disk-quota", "1G"]
    )
    assert r.exit_code == 2 and "keep_originals" in r.output
    r = CliRunner().invoke(
        app, ["ingest", str(lst), "-L", str(tmp_path / "l"), "--user-agent", "curl/8"]
    )
    assert r.exit_code == 2 and "must name facedex" in r.output


def test_python_api_max_items(server: FeedServer, tmp_path: Path) -> None:
    rows = _rows(server, 6)
    lst = tmp_path / "u.jsonl"
    lst.write_text("\n".join(json.dumps(r) for r in rows))
    eng = facedex.open(str(tmp_path / "lib"), workers=1)
    opts = DownloadOptions(allow_loopback=True, per_host_rate=None)
    res = ingest_urls(eng, lst, opts, max_items=4, workers=1)
    assert res.stop_reason == "max_items" and res.stats.processed == 4
    res = ingest_urls(eng, lst, opts, workers=1)
    assert res.stats.processed == 2 and res.stats.skipped == 4
    eng.close()


def test_watch_picks_up_new_files(deepface_dir: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(deepface_dir / "img1.jpg", inbox / "a.jpg")
    stop = threading.Event()
    src = WatchFolderSource([inbox], interval_s=0.1, stop=stop)
    eng = facedex.open(str(tmp_path / "lib"), workers=1)
    recorded: list[str] = []

    def progress(st, rec):  # type: ignore[no-untyped-def]
        if rec is not None:
            recorded.append(Path(rec.source).name)
            if rec.source.endswith("a.jpg"):
                shutil.copy(deepface_dir / "img2.jpg", inbox / "b.jpg")
            if len(recorded) == 2:
                stop.set()

    timer = threading.Timer(30, stop.set)  # bounded whatever happens
    timer.start()
    t0 = time.monotonic()
    st = run_source(eng, src, workers=1, on_progress=progress, commit_every=1)
    timer.cancel()
    assert recorded == ["a.jpg", "b.jpg"] and st.faces == 2 and time.monotonic() - t0 < 30
    assert eng.catalog.stats()["images"] == 2
    eng.close()
    # bounded by idle time too, and a folder is required
    src2 = WatchFolderSource([inbox], interval_s=0.05, idle_stop_s=0.2)
    assert len(list(src2)) == 2
    with pytest.raises(OptionError, match="needs a folder"):
        WatchFolderSource([inbox / "a.jpg"])


def test_cli_watch_with_idle_stop(deepface_dir: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(deepface_dir / "img3.jpg", inbox / "c.jpg")
    r = CliRunner().invoke(
        app,
        [
            "ingest",
            str(inbox),
            "-L",
            str(tmp_path / "lib"),
            "--watch",
            "--interval",
            "0.05",
            "--idle-stop",
            "0.3",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output[r.output.index("{") :])["faces"] == 1


def test_disk_quota_stops_cleanly_and_rerun_resumes(server: FeedServer, tmp_path: Path) -> None:
    rows = _rows(server, 6)
    lst = tmp_path / "u.jsonl"
    lst.write_text("\n".join(json.dumps(r) for r in rows))
    keep = tmp_path / "orig"
    eng = facedex.open(str(tmp_path / "lib"), workers=1)
    size = len(tiny_png(0))
    opts = DownloadOptions(
        allow_loopback=True,
        per_host_rate=None,
        concurrency=1,
        keep_originals=keep,
        disk_quota=int(size * 2.5),
    )
    res = ingest_urls(eng, lst, opts, workers=1)
    assert res.stop_reason == "disk_quota" and res.stats.processed == 2
    assert len([p for p in keep.rglob("*") if p.is_file()]) == 2
    opts = DownloadOptions(
        allow_loopback=True, per_host_rate=None, keep_originals=keep, disk_quota=size * 100
    )
    res = ingest_urls(eng, lst, opts, workers=1)
    assert res.stop_reason == "end" and res.stats.processed == 4 and res.stats.skipped == 2
    assert eng.catalog.stats()["images"] == 6
    eng.close()


def test_rerun_retries_transient_failures_only(
    server: FeedServer, deepface_dir: Path, tmp_path: Path
) -> None:
    """A host that was down (503) is tried again on the next run; a 404 is not."""
    face = (deepface_dir / "img1.jpg").read_bytes()
    state = {"up": False}

    def flaky(r: object) -> None:
        if state["up"]:
            r.send(200, face, "image/jpeg")  # type: ignore[attr-defined]
        else:
            r.send(503, b"busy", "text/plain")  # type: ignore[attr-defined]

    lst = tmp_path / "urls.txt"
    lst.write_text(server.add("/flaky.jpg", flaky) + "\n" + server.url("/gone.jpg") + "\n")
    opts = DownloadOptions(allow_loopback=True, retries=0, per_host_rate=None)
    eng = facedex.open(str(tmp_path / "lib"), workers=1)
    ingest_urls(eng, lst, opts)
    first = {r.source.rsplit("/", 1)[1]: r for r in eng.catalog.images()}
    assert first["flaky.jpg"].status == "error" and first["gone.jpg"].error_code == "http_404"
    gone_hits = len(server.hits_for("/gone.jpg"))

    state["up"] = True
    ingest_urls(eng, lst, opts)
    rows = {r.source.rsplit("/", 1)[1]: r for r in eng.catalog.images()}
    assert len(rows) == 2  # still one row per URL
    assert rows["flaky.jpg"].status == "done" and rows["flaky.jpg"].n_faces == 1
    assert len(server.hits_for("/gone.jpg")) == gone_hits  # the 404 was not fetched again
    assert eng.catalog.count_faces() == len(eng.index) == 1
