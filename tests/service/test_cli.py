"""``facedex serve-key`` makes keys the server accepts; only hashes reach the file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from facedex.cli import app
from facedex.service.keys import KeyStore, Role


def test_serve_key_writes_a_hash_the_server_accepts(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    r = CliRunner().invoke(
        app, ["serve-key", "--role", "admin", "--name", "ops", "--keys", str(keys)]
    )
    assert r.exit_code == 0, r.output
    key = r.output.split("key: ")[1].split()[0]
    assert key not in keys.read_text()
    who = KeyStore.load(keys).lookup(key)
    assert who is not None and who.role == Role.ADMIN and who.name == "ops"
    assert KeyStore.load(keys).lookup("fdx_wrong") is None
    bad = CliRunner().invoke(app, ["serve-key", "--role", "root"])
    assert bad.exit_code != 0


def test_serve_help_says_loopback() -> None:
    r = CliRunner().invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "127.0.0.1" in r.output
