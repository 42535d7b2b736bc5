"""The HTTP API against a real index of ../shared/faces/deepface."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.service.conftest import ADMIN_KEY, SEARCH_KEY, make_app

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def search_photo(client: TestClient, path: Path, **fields: Any) -> Any:
    with path.open("rb") as f:
        return client.post(
            "/search",
            files={"image": (path.name, f, "image/jpeg")},
            data={k: str(v) for k, v in fields.items()},
        )


def person_of(source: str, identities: dict[str, int]) -> int | None:
    return identities.get(Path(source).name)


def test_search_by_photo_finds_the_same_person(
    client: TestClient, deepface_dir: Path, identities: dict[str, int]
) -> None:
    r = search_photo(client, deepface_dir / "img1.jpg", k=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["faces"]) >= 1 and body["chosen"] == 0
    face = body["faces"][0]
    assert len(face["box"]) == 4 and face["landmarks"] and 0 <= face["quality"] <= 1
    same = [m for m in body["matches"] if m["same_person"]]
    assert len(same) >= 3
    # the top hit is the photo itself; the other same-person hits are person 0
    people = [person_of(m["source"], identities) for m in same]
    assert people.count(0) >= 0.8 * len(people)
    top = body["matches"][0]
    assert top["source"].endswith("img1.jpg") and top["similarity"] > 0.99
    assert top["crop_url"] == f"/faces/{top['face_id']}/crop"
    assert body["query"].startswith("q-")


def test_paging_with_cursor(client: TestClient, deepface_dir: Path) -> None:
    first = search_photo(client, deepface_dir / "img1.jpg", k=5).json()
    assert first["next_cursor"]
    second = client.post("/search", data={"cursor": first["next_cursor"], "k": 5}).json()
    ids1 = [m["face_id"] for m in first["matches"]]
    ids2 = [m["face_id"] for m in second["matches"]]
    assert len(ids2) == 5 and not set(ids1) & set(ids2)
    assert second["matches"][0]["similarity"] <= first["matches"][-1]["similarity"] + 1e-6
    whole = search_photo(client, deepface_dir / "img1.jpg", k=10).json()
    assert [m["face_id"] for m in whole["matches"]] == ids1 + ids2


def test_search_by_face_id_and_pick_a_face(client: TestClient, faces_dir: Path) -> None:
    r = search_photo(client, faces_dir / "deepface" / "couple.jpg", face=1, k=3)
    assert r.status_code == 200 and r.json()["chosen"] == 1
    fid = r.json()["matches"][0]["face_id"]
    by_id = client.post("/search", data={"face_id": fid, "k": 3}).json()
    assert by_id["query"] == f"f-{fid}"
    assert fid not in [m["face_id"] for m in by_id["matches"]]  # not itself
    bad = search_photo(client, faces_dir / "deepface" / "couple.jpg", face=9)
    assert bad.status_code == 422 and "face" in bad.json()["message"]


def test_search_by_url_on_loopback(client: TestClient, deepface_dir: Path, tmp_path: Path) -> None:
    import http.server
    import threading
    from functools import partial

    (tmp_path / "q.jpg").write_bytes((deepface_dir / "img2.jpg").read_bytes())
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        r = client.post("/search", data={"url": f"{url}/q.jpg", "k": 3})
        assert r.status_code == 200, r.text
        assert r.json()["matches"][0]["same_person"]
        assert client.post("/search", data={"url": f"{url}/missing.jpg"}).status_code == 422
    finally:
        httpd.shutdown()


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/x.jpg",
        "http://169.254.169.254/latest",
        "file:///etc/passwd",
        "http://[::ffff:192.168.1.1]/a.jpg",
    ],
)
def test_private_urls_are_refused(client: TestClient, url: str) -> None:
    r = client.post("/search", data={"url": url})
    assert r.status_code == 400 and r.json()["error"] == "bad_url"


def test_loopback_urls_refused_unless_allowed(fresh_library: Path) -> None:
    engine, app = make_app(fresh_library, allow_loopback_urls=False)
    with TestClient(app) as c:
        r = c.post("/search", data={"url": "http://127.0.0.1:9/x.jpg"})
        assert r.status_code == 400 and "private" in r.json()["message"]
    engine.close()


def test_errors_are_json_with_messages(client: TestClient, faces_dir: Path) -> None:
    blank = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(blank, "JPEG")
    r = client.post("/search", files={"image": ("b.jpg", blank.getvalue(), "image/jpeg")})
    assert r.status_code == 422 and r.json()["error"] == "no_face"
    r = client.post("/search", files={"image": ("x.jpg", b"not an image", "image/jpeg")})
    assert r.status_code == 400 and r.json()["error"] == "not_image"
    r = client.post("/search", data={})
    assert r.status_code == 422 and "image" in r.json()["message"]
    r = client.post("/search", content=b"{}", headers={"content-type": "application/json"})
    assert r.status_code == 415
    r = client.post("/search", data={"face_id": 10**9})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = client.post("/search", data={"cursor": "q-nope:10"})
    assert r.status_code == 410
    r = client.post("/search", data={"cursor": "garbage"})
    assert r.status_code == 400
    r = client.post("/search", data={"face_id": 1, "k": 0})
    assert r.status_code == 422
    assert client.get("/faces/999999").status_code == 404
    assert client.get("/faces/999999/crop").json()["error"] == "not_found"
    assert client.get("/images/999999").status_code == 404
    assert client.get("/faces/abc").status_code == 422
    assert client.get(f"/faces/{10**30}").status_code == 422  # not an SQLite overflow 500


def test_chunked_upload_over_the_limit_is_413(fresh_library: Path) -> None:
    engine, app = make_app(fresh_library, max_upload_bytes=2048)

    def chunks() -> Any:
        for _ in range(100):
            yield b"x" * 8192

    with TestClient(app) as c:
        r = c.post(
            "/search", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"}
        )
        assert r.status_code == 413 and r.json()["error"] == "too_large"
    engine.close()


def test_upload_and_pixel_limits(fresh_library: Path, deepface_dir: Path) -> None:
    engine, app = make_app(fresh_library, max_upload_bytes=50_000, max_pixels=100_000)
    with TestClient(app) as c:
        r = c.post("/search", files={"image": ("a.jpg", b"\xff" * 200_000, "image/jpeg")})
        assert r.status_code == 413 and r.json()["error"] == "too_large"
        png = io.BytesIO()
        Image.new("RGB", (1000, 1000)).save(png, "PNG")
        r = c.post("/search", files={"image": ("a.png", png.getvalue(), "image/png")})
        assert r.status_code == 413 and r.json()["error"] == "too_many_pixels"
    engine.close()


def test_face_image_crop_stats_health_metrics(client: TestClient, deepface_dir: Path) -> None:
    m = search_photo(client, deepface_dir / "img1.jpg", k=1).json()["matches"][0]
    face = client.get(f"/faces/{m['face_id']}").json()
    assert face["image_id"] == m["image_id"] and face["image"]["source"].endswith("img1.jpg")
    crop = client.get(m["crop_url"])
    assert crop.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(crop.content)).size[0] > 20
    img = client.get(f"/images/{m['image_id']}").json()
    assert m["face_id"] in img["face_ids"]
    st = client.get("/stats").json()
    assert st["faces"] >= 60 and st["index"]["vectors"] == st["faces"] and "library" not in st
    assert client.get("/healthz").json()["faces"] == st["faces"]
    text = client.get("/metrics").text
    assert 'facedex_http_requests_total{method="POST",route="/search",status="200"}' in text
    assert "facedex_http_request_seconds_bucket" in text
    assert f"facedex_index_vectors {float(st['faces'])}" in text
    assert "facedex_ingest_running" in text


def test_keys_and_roles(fresh_library: Path, deepface_dir: Path) -> None:
    engine, app = make_app(fresh_library, search_open=False)
    with TestClient(app) as c:
        r = c.post("/search", data={"face_id": 1})
        assert r.status_code == 401 and "key" in r.json()["message"]
        r = c.post("/search", data={"face_id": 1}, headers={"X-API-Key": "wrong"})
        assert r.status_code == 401
        ok = c.post("/search", data={"face_id": 1}, headers={"X-API-Key": SEARCH_KEY})
        assert ok.status_code == 200
        r = c.post("/admin/rebuild", headers={"X-API-Key": SEARCH_KEY})
        assert r.status_code == 403
        assert c.post("/admin/rebuild").status_code == 401
        r = c.post("/admin/rebuild", headers=ADMIN)
        assert r.status_code == 200 and r.json()["vectors"] > 60
        assert c.post("/search", data={"face_id": 1}, headers=ADMIN).status_code == 200
    engine.close()


def test_rate_limit_sheds_with_retry_after(fresh_library: Path) -> None:
    engine, app = make_app(fresh_library, rate_per_s=1, rate_burst=3)
    with TestClient(app) as c:
        codes = [c.get("/faces/1").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429
        r = c.get("/faces/1")
        assert int(r.headers["Retry-After"]) >= 1 and r.json()["error"] == "rate_limited"
        assert c.get("/healthz").status_code == 200  # health is never limited
    engine.close()


def test_admin_ingest_delete_and_audit(fresh_library: Path, faces_dir: Path) -> None:
    engine, app = make_app(fresh_library)
    with TestClient(app) as c:
        before = c.get("/stats").json()["faces"]
        folder = faces_dir / "face_recognition" / "knn_examples" / "train" / "biden"
        r = c.post("/admin/ingest", json={"kind": "folder", "spec": str(folder)}, headers=ADMIN)
        assert r.status_code == 202, r.text
        job = r.json()
        app.state.services.jobs.wait(120)
        done = c.get(f"/admin/ingest/{job['id']}", headers=ADMIN).json()
        assert done["state"] == "done", done
        assert done["stats"]["processed"] >= 1
        after = c.get("/stats").json()["faces"]
        assert after > before
        r = c.post("/admin/ingest", json={"kind": "folder", "spec": "/no/such"}, headers=ADMIN)
        assert r.status_code == 404
        r = c.post("/admin/ingest", json={"kind": "feed", "spec": "x"}, headers=ADMIN)
        assert r.status_code in (202, 400, 404, 501)
        assert c.get("/admin/ingest/nope", headers=ADMIN).status_code == 404

        fid = c.post("/search", data={"face_id": 1, "k": 1}).json()["matches"][0]["face_id"]
        assert c.delete(f"/faces/{fid}", headers=ADMIN).json()["deleted_faces"] == 1
        assert c.get(f"/faces/{fid}").status_code == 404
        assert c.get(f"/faces/{fid}/crop").status_code == 404
        assert c.delete(f"/faces/{fid}", headers=ADMIN).status_code == 404
        img = c.get("/faces/1").json()["image_id"]
        assert c.delete(f"/images/{img}", headers=ADMIN).status_code == 200
        assert c.get(f"/images/{img}").status_code == 404
        hits = search_photo(c, faces_dir / "deepface" / "img2.jpg", k=100).json()["matches"]
        assert fid not in {m["face_id"] for m in hits}
        actions = [a["action"] for a in c.get("/admin/audit", headers=ADMIN).json()]
        assert actions == ["ingest", "delete_face", "delete_image"]
        assert all(a["actor"] == "alice-admin" for a in c.get("/admin/audit", headers=ADMIN).json())
    engine.close()


def test_photo_analysis_in_worker_processes(fresh_library: Path, deepface_dir: Path) -> None:
    """The multi-core path: same answers as in-process, errors still JSON 4xx."""
    engine, app = make_app(fresh_library, analysis_workers=1)
    with TestClient(app) as c:
        r = search_photo(c, deepface_dir / "img1.jpg", k=3)
        assert r.status_code == 200, r.text
        assert r.json()["matches"][0]["source"].endswith("img1.jpg")
        head = (deepface_dir / "img1.jpg").read_bytes()[:2000]  # valid header, no pixels
        r = c.post("/search", files={"image": ("t.jpg", head, "image/jpeg")})
        assert 400 <= r.status_code < 500 and r.json()["message"], r.text
    engine.close()


def test_api_docs_work_offline(client: TestClient) -> None:
    """/docs must not depend on a CDN: every asset it names is served by the app."""
    import re

    html = client.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets), assets
    for a in assets:
        assert client.get(a).status_code == 200, a
    assert client.get("/openapi.json").json()["info"]["title"] == "facedex"
