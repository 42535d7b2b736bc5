"""The CLI through typer's runner: each core command on real photos, and its errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facedex.cli import app
from tests import images

runner = CliRunner()


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory, deepface_dir: Path) -> Path:
    photos = tmp_path_factory.mktemp("photos")
    for n in ("img1.jpg", "img2.jpg", "img3.jpg", "img4.jpg", "couple.jpg"):
        shutil.copy(deepface_dir / n, photos / n)
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    lib = tmp_path_factory.mktemp("lib")
    r = runner.invoke(app, ["index", str(photos), "-L", str(lib), "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "6 processed" in r.output and "1 failed" in r.output
    r2 = runner.invoke(app, ["index", str(photos), "-L", str(lib), "--workers", "1"])
    assert "0 processed, 6 already indexed" in r2.output
    return lib


def test_search_table_and_json(lib: Path, deepface_dir: Path) -> None:
    r = runner.invoke(app, ["search", str(deepface_dir / "img1.jpg"), "-L", str(lib), "-k", "3"])
    assert r.exit_code == 0, r.output
    assert "similarity" in r.output and "yes" in r.output and "1.000" in r.output
    r = runner.invoke(app, ["search", str(deepface_dir / "img1.jpg"), "-L", str(lib), "--json"])
    data = json.loads(r.stdout)
    assert data["matches"][0]["source"].endswith("img1.jpg")
    assert data["matches"][0]["same_person"] is True
    assert data["model"] == "dlib-resnet-v1" and len(data["faces"]) == 1
    first = data["matches"][1]["face_id"]
    r = runner.invoke(app, ["search", "--face-id", str(first), "-L", str(lib), "--json"])
    by_id = json.loads(r.stdout)
    assert first not in [m["face_id"] for m in by_id["matches"]] and by_id["matches"]


def test_faces_verify_stats(lib: Path, deepface_dir: Path) -> None:
    r = runner.invoke(app, ["faces", str(deepface_dir / "couple.jpg"), "--json"])
    faces = json.loads(r.stdout)
    assert len(faces) == 2 and all(len(f["landmarks"]) == 5 for f in faces)
    r = runner.invoke(
        app, ["verify", str(deepface_dir / "img1.jpg"), str(deepface_dir / "img2.jpg"), "--json"]
    )
    v = json.loads(r.stdout)
    assert v["same_person"] is True and v["similarity"] >= v["threshold"]
    r = runner.invoke(app, ["stats", "-L", str(lib)])
    st = json.loads(r.stdout)
    assert st["images"] == 6 and st["faces"] == st["index"]["vectors"] >= 6
    assert st["errors_by_code"] == {"corrupt": 1} or st["errors_by_code"] == {"truncated": 1}


def test_eval_writes_roc(tmp_path: Path, deepface_dir: Path) -> None:
    out = tmp_path / "roc.png"
    r = runner.invoke(
        app,
        ["eval", str(deepface_dir / "master.csv"), "--plot", str(out), "--json", "--limit", "40"],
    )
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout[r.stdout.index("{") :])
    assert rep["pairs"] == 40 and out.exists()


def test_eval_lfw_format(tmp_path: Path, deepface_dir: Path) -> None:
    """LFW pairs.txt layout (ROOT/name/name_0001.jpg), 10 folds, a missing-face pair."""
    root = tmp_path / "lfw"
    people = {"angelina": ["img1.jpg", "img2.jpg", "img4.jpg"], "other": ["img3.jpg"], "nobody": []}
    for name, files in people.items():
        (root / name).mkdir(parents=True)
        for i, f in enumerate(files, 1):
            shutil.copy(deepface_dir / f, root / name / f"{name}_{i:04d}.jpg")
    images.no_face(root / "nobody" / "nobody_0001.jpg")
    lines = ["10 1"]
    for _ in range(10):
        lines += ["angelina 1 2", "angelina 1 other 1"]
    lines[-1] = "angelina 1 nobody 1"
    (root / "pairs.txt").write_text("\n".join(lines) + "\n")
    r = runner.invoke(
        app,
        [
            "eval",
            str(root / "pairs.txt"),
            "--root",
            str(root),
            "--json",
            "--plot",
            str(tmp_path / "roc.png"),
        ],
    )
    rep = json.loads(r.stdout[r.stdout.index("{") :])
    assert rep["pairs"] == 20 and rep["no_face_pairs"] == 1
    assert rep["accuracy_10fold"] is not None and rep["accuracy_10fold"] >= 0.9


def test_errors_are_clear(tmp_path: Path) -> None:
    p = images.no_face(tmp_path / "sky.jpg")
    r = runner.invoke(app, ["search", str(p), "-L", str(tmp_path / "lib")])
    assert r.exit_code == 2 and "no face found" in r.output
    r = runner.invoke(app, ["search", str(tmp_path / "missing.jpg"), "-L", str(tmp_path / "l")])
    assert r.exit_code == 2 and "no such file" in r.output
    r = runner.invoke(app, ["index", str(tmp_path / "nowhere"), "-L", str(tmp_path / "l")])
    assert r.exit_code == 2 and "no such file or folder" in r.output


def test_reembed_replaces_faces_without_duplicates(lib: Path) -> None:
    from facedex.store.sqlite import SqliteCatalog

    before = json.loads(runner.invoke(app, ["stats", "-L", str(lib)]).stdout)
    folder = Path(SqliteCatalog(lib / "catalog.sqlite").images()[0].source).parent
    r = runner.invoke(app, ["index", str(folder), "-L", str(lib), "-w", "1", "--reembed", "-q"])
    assert r.exit_code == 0 and "6 processed, 0 already indexed" in r.stdout
    after = json.loads(runner.invoke(app, ["stats", "-L", str(lib)]).stdout)
    assert after["images"] == before["images"] and after["faces"] == before["faces"]
    assert after["index"]["vectors"] == after["faces"]
