"""ModelStore: download, checksum, validation, manifest, list/remove, over loopback HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from facedex.errors import ModelError
from facedex.models.store import ModelStore

EMBED_DIM = 512  # what conftest's tiny embedder returns


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_pull_embedder_verifies_and_writes_manifest(http_server, model_files, model_dir):
    store = ModelStore(model_dir)
    src = model_files["embedder"]
    spec = store.pull(http_server.url(src.name), sha256_of(src), "embedder", name="arc")
    assert spec.kind == "embedder" and spec.dim == EMBED_DIM
    assert spec.threshold == 0.35 and spec.input_size == (112, 112)
    assert spec.path.read_bytes() == src.read_bytes()
    m = json.loads((model_dir / "arc" / "manifest.json").read_text())
    assert m["name"] == "arc" and m["sha256"] == sha256_of(src)
    assert m["source"] == http_server.url(src.name) and m["dim"] == EMBED_DIM
    assert store.get("arc", kind="embedder") == spec
    assert spec.model_id == f"onnx:arc@{sha256_of(src)[:12]}"
    assert _leftovers(model_dir) == ["arc"]  # no partial files left behind


def test_pull_infers_kind_and_name(http_server, model_files, model_dir):
    store = ModelStore(model_dir)
    src = model_files["detector"]
    spec = store.pull(http_server.url(src.name), sha256_of(src), None, threshold=0.6)
    assert (spec.name, spec.kind, spec.dim) == ("tiny_scrfd", "detector", None)
    assert spec.input_size == (640, 640) and spec.threshold == 0.6
    assert [s.name for s in store.list()] == ["tiny_scrfd"]


def test_bad_checksum_caches_nothing(http_server, model_files, model_dir):
    src = model_files["embedder"]
    with pytest.raises(ModelError, match="checksum mismatch"):
        ModelStore(model_dir).pull(http_server.url(src.name), "0" * 64, "embedder")
    assert _leftovers(model_dir) == []


def test_malformed_checksum_is_refused_before_download(http_server, model_dir):
    before = len(http_server.requests)
    with pytest.raises(ModelError, match="64 hex digits"):
        ModelStore(model_dir).pull(http_server.url("tiny_arcface.onnx"), "abc", "embedder")
    with pytest.raises(ModelError, match="--sha256"):
        ModelStore(model_dir).pull(http_server.url("tiny_arcface.onnx"), None, "embedder")
    assert len(http_server.requests) == before


def test_404(http_server, model_dir):
    with pytest.raises(ModelError, match="HTTP 404"):
        ModelStore(model_dir).pull(http_server.url("nope.onnx"), "0" * 64, "embedder")
    assert _leftovers(model_dir) == []


@pytest.mark.parametrize("prefix", ["", "nolength/"])
def test_too_large(http_server, model_files, model_dir, prefix):
    src = model_files["embedder"]
    with pytest.raises(ModelError, match="larger than"):
        ModelStore(model_dir).pull(
            http_server.url(prefix + src.name), sha256_of(src), "embedder", max_bytes=10_000
        )
    assert _leftovers(model_dir) == []


def test_streams_without_content_length(http_server, model_files, model_dir):
    src = model_files["embedder"]
    spec = ModelStore(model_dir).pull(
        http_server.url("nolength/" + src.name), sha256_of(src), "embedder", name="arc"
    )
    assert spec.sha256 == sha256_of(src)


def test_not_an_onnx_file(http_server, model_dir):
    junk = b"<html>this is a login page, not a model</html>" * 10
    http_server.files["junk.onnx"] = junk
    with pytest.raises(ModelError, match="not a loadable ONNX model"):
        ModelStore(model_dir).pull(
            http_server.url("junk.onnx"), hashlib.sha256(junk).hexdigest(), "embedder"
        )
    assert _leftovers(model_dir) == []


def test_wrong_kind_is_refused(http_server, model_files, model_dir):
    emb, det = model_files["embedder"], model_files["detector"]
    with pytest.raises(ModelError, match="9 outputs"):
        ModelStore(model_dir).pull(http_server.url(emb.name), sha256_of(emb), "detector")
    with pytest.raises(ModelError, match="112x112"):
        ModelStore(model_dir).pull(http_server.url(det.name), sha256_of(det), "embedder")
    assert _leftovers(model_dir) == []


def test_same_name_other_model_needs_force(http_server, model_files, model_dir):
    store = ModelStore(model_dir)
    a, b = model_files["embedder"], model_files["embedder2"]
    first = store.pull(http_server.url(a.name), sha256_of(a), "embedder", name="arc")
    again = store.pull(http_server.url(a.name), sha256_of(a), "embedder", name="arc")
    assert again == first  # same file: a no-op
    with pytest.raises(ModelError, match="different model is already cached"):
        store.pull(http_server.url(b.name), sha256_of(b), "embedder", name="arc")
    second = store.pull(http_server.url(b.name), sha256_of(b), "embedder", name="arc", force=True)
    assert second.model_id != first.model_id
    assert store.get("arc").sha256 == sha256_of(b)
    assert _leftovers(model_dir) == ["arc"]


def test_zip_member(http_server, model_files, model_dir):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.write(model_files["embedder"], "pack/w600k_tiny.onnx")
        z.write(model_files["detector"], "pack/det_tiny.onnx")
    http_server.files["pack.zip"] = buf.getvalue()
    digest = hashlib.sha256(buf.getvalue()).hexdigest()
    spec = ModelStore(model_dir).pull(
        http_server.url("pack.zip"), digest, None, member="det_tiny.onnx"
    )
    assert (spec.name, spec.kind, spec.member) == ("det_tiny", "detector", "det_tiny.onnx")
    with pytest.raises(ModelError, match="not in the archive"):
        ModelStore(model_dir).pull(http_server.url("pack.zip"), digest, None, member="x.onnx")


def test_get_list_remove(http_server, model_files, model_dir):
    store = ModelStore(model_dir)
    assert store.list() == []
    with pytest.raises(ModelError, match="facedex models pull"):
        store.get("arc")
    src = model_files["embedder"]
    store.pull(http_server.url(src.name), sha256_of(src), "embedder", name="arc")
    with pytest.raises(ModelError, match="is an embedder, not a detector"):
        store.get("arc", kind="detector")
    assert store.remove("arc").name == "arc"
    assert store.list() == [] and not (model_dir / "arc").exists()
    with pytest.raises(ModelError):
        store.remove("arc")


def test_unknown_name_and_catalogue_need_no_network(model_dir):
    with pytest.raises(ModelError, match="neither an http"):
        ModelStore(model_dir).pull("no-such-model", "0" * 64)
    with pytest.raises(ModelError, match="--sha256"):  # known name, but no checksum given
        ModelStore(model_dir).pull("buffalo_l-w600k_r50", None)
    with pytest.raises(ModelError, match="invalid model name"):
        ModelStore(model_dir).get("../etc")


def test_timeout(http_server, model_files, model_dir):
    src = model_files["embedder"]
    with pytest.raises(ModelError, match="Timeout"):
        ModelStore(model_dir).pull(
            http_server.url("slow/" + src.name), sha256_of(src), "embedder", timeout=0.3
        )
    assert _leftovers(model_dir) == []


def test_local_file_goes_through_the_same_checks(model_files, model_dir):
    src = model_files["embedder"]
    store = ModelStore(model_dir)
    with pytest.raises(ModelError, match="checksum mismatch"):
        store.pull(str(src), "0" * 64)
    spec = store.pull(str(src), sha256_of(src))
    assert (spec.name, spec.kind, spec.source) == ("tiny_arcface", "embedder", str(src))
