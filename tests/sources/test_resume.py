"""kill -9 at unlucky moments, restart, and every feed item ends up recorded exactly once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import facedex
from tests.sources.conftest import FeedServer, feed_pages, feed_toml, tiny_png

PAGES, PER_PAGE = 8, 15


def _start(cfg: Path, lib: Path) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-c",
        "from facedex.cli import main; main()",
        "crawl",
        str(cfg),
        "-L",
        str(lib),
        "--allow-loopback",
        "--workers",
        "1",
        "--rate",
        "500",
        "-q",
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _peek(lib: Path) -> tuple[int, str | None]:
    """Rows and checkpoint as another process sees them (read-only)."""
    db = lib / "catalog.sqlite"
    if not db.exists():
        return 0, None
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        n = c.execute("SELECT COUNT(*) FROM images").fetchone()[0]
        r = c.execute("SELECT value FROM meta WHERE key='crawl:resume:checkpoint'").fetchone()
        c.close()
    except sqlite3.OperationalError:
        return 0, None
    return int(n), (json.loads(r[0])["cursor"] if r else None)


def _kill_when(
    proc: subprocess.Popen[bytes],
    lib: Path,
    min_rows: int,
    not_cursor: str | None,
    timeout: float = 60,
    sig: int = signal.SIGKILL,
) -> tuple[int, str | None]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        rows, cur = _peek(lib)
        if rows >= min_rows and cur is not None and cur != not_cursor:
            os.kill(proc.pid, sig)
            proc.wait(20)
            return rows, cur
        if proc.poll() is not None:
            raise AssertionError(
                f"crawl ended before the kill: {proc.stderr.read()!r}"
                if proc.stderr
                else "crawl ended before the kill"
            )
        time.sleep(0.02)
    proc.kill()
    raise AssertionError("crawl made no progress in time")


def test_kill9_and_resume_exactly_once(
    server: FeedServer, deepface_dir: Path, tmp_path: Path
) -> None:
    faces = sorted(deepface_dir.glob("img[1-9].jpg"))[:PAGES]
    urls: list[str] = []
    pages = []
    for p in range(PAGES):
        page = []
        for i in range(PER_PAGE):
            path = f"/r/{p}-{i}.png"
            if i == 7 and p < len(faces):  # one real face per page
                data, ctype = faces[p].read_bytes(), "image/jpeg"
            else:
                data, ctype = tiny_png(p * 100 + i), "image/png"

            def slow(r, data=data, ctype=ctype):  # type: ignore[no-untyped-def]
                time.sleep(0.03)
                r.send(200, data, ctype)

            urls.append(server.add(path, slow))
            page.append({"id": f"{p}-{i}", "url": urls[-1]})
        pages.append(page)
    cfg = feed_toml(tmp_path, feed_pages(server, pages), name="resume")
    lib = tmp_path / "lib"

    rows1, cur1 = _kill_when(_start(cfg, lib), lib, 20, None)
    feed_before = len(server.hits_for("/feed"))
    _, cur2 = _kill_when(_start(cfg, lib), lib, rows1 + 20, cur1)
    resumed = server.hits_for("/feed")[feed_before]
    assert resumed.query.get("after") == [cur1]  # the second run started at the checkpoint
    feed_before = len(server.hits_for("/feed"))
    proc = _start(cfg, lib)
    assert proc.wait(120) == 0, proc.stderr.read() if proc.stderr else ""
    assert server.hits_for("/feed")[feed_before].query.get("after") == [cur2]

    db = sqlite3.connect(lib / "catalog.sqlite")
    srcs = [r[0] for r in db.execute("SELECT source FROM images")]
    assert sorted(srcs) == sorted(urls)  # every item, once
    bad = db.execute(
        "SELECT i.id FROM images i LEFT JOIN faces f ON f.image_id=i.id "
        "GROUP BY i.id HAVING COUNT(f.id) != i.n_faces"
    ).fetchall()
    assert bad == []
    assert db.execute("SELECT COUNT(*) FROM images WHERE status='done'").fetchone()[0] >= 5
    db.close()
    # images recorded before a kill were not downloaded again
    assert max(server.counts[u.split(str(server.port))[1]] for u in urls) <= 3
    total_img = sum(server.counts[u.split(str(server.port))[1]] for u in urls)
    assert total_img < len(urls) + 2 * 64  # at most the in-flight window lost per kill
    eng = facedex.open(str(lib), workers=1)
    assert len(eng.index) == eng.catalog.count_faces() > 0
    eng.close()


def test_ctrl_c_stops_cleanly_and_resumes(server: FeedServer, tmp_path: Path) -> None:
    urls, pages = [], []
    for p in range(6):
        page = []
        for i in range(20):

            def slow(r, n=p * 100 + i):  # type: ignore[no-untyped-def]
                time.sleep(0.02)
                r.send(200, tiny_png(n), "image/png")

            urls.append(server.add(f"/c/{p}-{i}.png", slow))
            page.append({"id": f"{p}-{i}", "url": urls[-1]})
        pages.append(page)
    cfg = feed_toml(tmp_path, feed_pages(server, pages), name="resume")
    lib = tmp_path / "lib"
    proc = _start(cfg, lib)
    _kill_when(proc, lib, 30, None, sig=signal.SIGINT)
    assert proc.returncode == 130
    assert proc.stderr is not None and b"rerun the same command to resume" in proc.stderr.read()
    _, cur = _peek(lib)
    assert cur is not None and cur != "c0"
    proc = _start(cfg, lib)
    assert proc.wait(60) == 0
    db = sqlite3.connect(lib / "catalog.sqlite")
    assert sorted(r[0] for r in db.execute("SELECT source FROM images")) == sorted(urls)
    runs = db.execute("SELECT stats FROM runs ORDER BY id").fetchall()
    db.close()
    assert len(runs) == 2 and all(r[0] for r in runs)  # the interrupted run was closed too
