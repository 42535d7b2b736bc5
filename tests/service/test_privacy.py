"""Opt-out erases for real, share links reopen results, and both survive a restart."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.service.conftest import make_app
from tests.service.test_api import ADMIN, search_photo


def same_person_sources(c: TestClient, photo: Path) -> set[str]:
    r = search_photo(c, photo, k=50)
    assert r.status_code == 200, r.text
    return {Path(m["source"]).name for m in r.json()["matches"] if m["same_person"]}


def test_share_optout_and_restart(
    fresh_library: Path, deepface_dir: Path, identities: dict[str, int]
) -> None:
    engine, app = make_app(fresh_library)
    with TestClient(app) as c:
        # a share of person 0's results, and one of somebody else's
        q = search_photo(c, deepface_dir / "img1.jpg", k=10).json()
        share = c.post("/shares", json={"query": q["query"], "count": 10})
        assert share.status_code == 201 and share.json()["url"].startswith("/s/")
        other_q = search_photo(c, deepface_dir / "img3.jpg", k=5).json()
        other = c.post("/shares", json={"query": other_q["query"], "count": 5}).json()
        opened = c.get(f"/shares/{share.json()['token']}").json()
        assert [m["face_id"] for m in opened["matches"]] == [m["face_id"] for m in q["matches"]]
        more = c.post("/search", data={"cursor": opened["next_cursor"], "k": 5})
        assert more.status_code == 200 and len(more.json()["matches"]) == 5
        assert c.get("/s/" + other["token"]).headers["content-type"].startswith("text/html")
        assert c.get("/shares/unknown-token").status_code == 404
        assert c.post("/shares", json={"query": "q-expired"}).status_code == 410

        before = same_person_sources(c, deepface_dir / "img2.jpg")
        assert len(before) >= 4
        with (deepface_dir / "img2.jpg").open("rb") as f:
            r = c.post("/optout", files={"image": ("me.jpg", f, "image/jpeg")})
        assert r.status_code == 200, r.text
        res = r.json()
        assert res["removed"] >= 4 and res["blocklisted"] == 1 and res["shares_removed"] >= 1
        assert same_person_sources(c, deepface_dir / "img2.jpg") == set()
        assert c.get(f"/shares/{share.json()['token']}").status_code == 404  # their share
        assert c.get(f"/shares/{other['token']}").status_code == 200  # not theirs
        assert c.get("/stats").json()["blocklist"] == 1
        assert c.get("/admin/audit", headers=ADMIN).json()[-1]["action"] == "optout"
        faces_after = c.get("/stats").json()["faces"]

        # no-face and missing-photo opt-outs explain themselves
        assert c.post("/optout", data={}).status_code == 422
    engine.close()

    # restart: a new engine and app on the same folder
    engine, app = make_app(fresh_library)
    with TestClient(app) as c:
        assert c.get("/stats").json()["faces"] == faces_after
        assert c.get("/stats").json()["index"]["vectors"] == faces_after
        assert same_person_sources(c, deepface_dir / "img2.jpg") == set()
        assert c.get(f"/shares/{other['token']}").json()["matches"]
        # the blocklist holds on re-ingest: person 0's photos come back without their face
        r = c.post("/admin/ingest", json={"spec": str(deepface_dir / "img4.jpg")}, headers=ADMIN)
        assert r.status_code == 202
        app.state.services.jobs.wait(120)
        assert same_person_sources(c, deepface_dir / "img2.jpg") == set()
    engine.close()


def test_expired_share_is_gone(fresh_library: Path, deepface_dir: Path) -> None:
    engine, app = make_app(fresh_library, share_ttl_s=60)
    with TestClient(app) as c:
        q = search_photo(c, deepface_dir / "img1.jpg", k=3).json()
        token = c.post("/shares", json={"query": q["query"]}).json()["token"]
        svc = app.state.services
        svc.shares.ttl_s = -1  # as if a minute had passed for links made from now on
        old = c.post("/shares", json={"query": q["query"]}).json()["token"]
        assert c.get(f"/shares/{old}").status_code == 404
        assert c.get(f"/shares/{token}").status_code == 200
    engine.close()
