"""Service fixtures: real engine, real index (the deepface set), real app and server."""

from __future__ import annotations

import csv
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import facedex
from facedex.engine import Engine
from facedex.service import ServiceSettings, create_app
from facedex.service.keys import KeyStore, Role

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "test-admin-key"
SEARCH_KEY = "test-search-key"


def copy_library(src: Path, dst: Path) -> Path:
    """Tests that write (shares, erasure) get their own copy of the indexed library."""
    shutil.copytree(src, dst)
    return dst


def make_keys() -> KeyStore:
    keys = KeyStore()
    keys.add(ADMIN_KEY, Role.ADMIN, "alice-admin")
    keys.add(SEARCH_KEY, Role.SEARCH, "bob-search")
    return keys


def make_app(root: Path, **overrides: object) -> tuple[Engine, FastAPI]:
    engine = facedex.open(str(root), workers=2)
    settings = ServiceSettings(**{"rate_per_s": 0, "allow_loopback_urls": True, **overrides})
    return engine, create_app(engine, settings, keys=make_keys())


@pytest.fixture(scope="session")
def identities(deepface_dir: Path) -> dict[str, int]:
    """Image file name -> person id, from the labelled pairs."""
    with (deepface_dir / "identities.csv").open() as f:
        return {r["path"]: int(r["cluster_id"]) for r in csv.DictReader(f)}


@pytest.fixture(scope="session")
def shared_library(deepface_library: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_library(deepface_library, tmp_path_factory.mktemp("svc") / "lib")


@pytest.fixture(scope="session")
def app(shared_library: Path) -> Iterator[FastAPI]:
    """One app over a library copy, for tests that do not erase anything."""
    engine, app = make_app(shared_library)
    yield app
    engine.close()


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def fresh_library(deepface_library: Path, tmp_path: Path) -> Path:
    return copy_library(deepface_library, tmp_path / "lib")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server on 127.0.0.1 in a thread; stop() shuts it down cleanly."""

    def __init__(self, app: FastAPI) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture
def live_server(fresh_library: Path) -> Iterator[LiveServer]:
    engine, app = make_app(fresh_library)
    srv = LiveServer(app)
    yield srv
    srv.stop()
    engine.close()
