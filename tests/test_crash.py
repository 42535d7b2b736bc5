"""kill -9 during `facedex index`, then rerun: every image once, no duplicate faces,
an index that loads and agrees with the catalog."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

import facedex


def _make_folder(src: Path, dst: Path, n: int) -> None:
    dst.mkdir()
    files = sorted(src.glob("img*.jpg"))
    for i in range(n):
        im = Image.open(files[i % len(files)]).convert("RGB")
        im.thumbnail((640 + 8 * i, 640 + 8 * i))  # different bytes: no content duplicates
        im.save(dst / f"p{i:03d}.jpg", "JPEG", quality=85 + i % 10)


def _done(lib: Path) -> int:
    db = lib / "catalog.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as c:
            return int(c.execute("SELECT COUNT(*) FROM images").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_kill_9_then_rerun_is_exactly_once(deepface_dir: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    _make_folder(deepface_dir, photos, 90)
    lib = tmp_path / "lib"
    cmd = [
        sys.executable,
        "-m",
        "facedex.cli",
        "index",
        str(photos),
        "-L",
        str(lib),
        "--workers",
        "2",
        "--quiet",
    ]
    killed_at = []
    for _ in range(2):  # kill twice at different points
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 120
        start = _done(lib)
        while _done(lib) < start + 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at.append(_done(lib))
    assert killed_at[-1] < 90, "the run finished before it could be killed"
    subprocess.run(cmd, check=True, timeout=300, stdout=subprocess.DEVNULL)

    eng = facedex.open(str(lib))
    rows = eng.catalog.images(limit=1000)
    assert len(rows) == 90 and len({r.source for r in rows}) == 90
    assert all(r.status == "done" for r in rows), [(r.source, r.status) for r in rows]
    faces_per_image = {Path(r.source).name: len(eng.catalog.faces_of(r.id)) for r in rows}
    assert all(n == r.n_faces for r, n in zip(rows, faces_per_image.values(), strict=True))

    # the same folder indexed cleanly gives the same faces: nothing duplicated or lost
    ref = facedex.open(str(tmp_path / "ref"), workers=2)
    ref.index_paths([photos])
    ref_faces = {Path(r.source).name: r.n_faces for r in ref.catalog.images(limit=1000)}
    assert faces_per_image == ref_faces
    assert len(eng.index) == eng.catalog.count_faces()
    res = eng.search(deepface_dir / "img1.jpg", k=3)
    assert res.matches and res.matches[0].similarity > 0.9
