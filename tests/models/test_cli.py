"""``facedex models pull|list|remove`` through typer's CliRunner, against loopback HTTP."""

from __future__ import annotations

import hashlib

from typer.testing import CliRunner

from facedex.cli import app
from facedex.models.store import ModelStore

runner = CliRunner()


def _sha(p) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_pull_list_remove(http_server, model_files, model_dir):
    src = model_files["embedder"]
    r = runner.invoke(
        app,
        [
            "models",
            "pull",
            http_server.url(src.name),
            "--sha256",
            _sha(src),
            "--name",
            "arc",
            "--kind",
            "embedder",
            "--threshold",
            "0.42",
            "-q",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "arc: embedder, 512-d vectors, threshold 0.42" in r.output
    assert "onnx:arc" in r.output
    spec = ModelStore(model_dir).get("arc", kind="embedder")  # FACEDEX_MODEL_DIR is used
    assert spec.threshold == 0.42

    r = runner.invoke(app, ["models", "list", "--known"])
    assert r.exit_code == 0, r.output
    assert "arc" in r.output and "embedder" in r.output and "buffalo_l" in r.output

    r = runner.invoke(app, ["models", "remove", "arc"])
    assert r.exit_code == 0 and "removed arc" in r.output
    assert ModelStore(model_dir).list() == []


def test_pull_errors_are_one_clear_line(http_server, model_files, tmp_path):
    src = model_files["detector"]
    d = tmp_path / "elsewhere"
    r = runner.invoke(
        app,
        [
            "models",
            "pull",
            http_server.url(src.name),
            "--sha256",
            "f" * 64,
            "--model-dir",
            str(d),
            "-q",
        ],
    )
    assert r.exit_code == 2
    assert "checksum mismatch" in r.output and "Traceback" not in r.output
    r = runner.invoke(
        app,
        [
            "models",
            "pull",
            http_server.url(src.name),
            "--sha256",
            _sha(src),
            "--kind",
            "recogniser",
            "--model-dir",
            str(d),
        ],
    )
    assert r.exit_code == 2 and "--kind must be detector or embedder" in r.output
    r = runner.invoke(app, ["models", "remove", "ghost", "--model-dir", str(d)])
    assert r.exit_code == 2 and "not in" in r.output


def test_pull_shows_progress_and_uses_model_dir_option(http_server, model_files, tmp_path):
    src = model_files["detector"]
    d = tmp_path / "cache"
    r = runner.invoke(
        app,
        ["models", "pull", http_server.url(src.name), "--sha256", _sha(src), "--model-dir", str(d)],
    )
    assert r.exit_code == 0, r.output
    assert "tiny_scrfd: detector" in r.output and "FACEDEX_DETECTOR=onnx:tiny_scrfd" in r.output
    assert [s.name for s in ModelStore(d).list()] == ["tiny_scrfd"]
