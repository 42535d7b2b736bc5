"""End to end: a library indexed with a pulled ONNX embedder, next to the default model.

The catalog records the model (``onnx:<name>@<sha256 prefix>``) with every vector and each
model has its own index file, so a search never sees another model's vectors.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import facedex
from facedex.errors import NotFoundError
from facedex.models.store import ModelStore
from facedex.sources import FolderSource

pytestmark = pytest.mark.slow


def _sha(p) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_onnx_library_never_mixes_models(http_server, model_files, model_dir, faces_dir, tmp_path):
    store = ModelStore(model_dir)
    src = model_files["embedder"]
    spec = store.pull(http_server.url(src.name), _sha(src), "embedder", name="arc")
    photos = [faces_dir / "deepface" / f"img{i}.jpg" for i in (1, 2, 3)]
    other = faces_dir / "deepface" / "img4.jpg"
    lib = tmp_path / "lib"

    eng = facedex.open(str(lib), embedder="onnx:arc", model_dir=model_dir, workers=1)
    assert eng.model_name == spec.model_id == f"onnx:arc@{spec.sha256[:12]}"
    st = eng.index_paths(photos)
    assert st.faces >= 3 and st.failed == 0
    assert eng.index.dim == 512 and len(eng.index) == st.faces
    assert eng.catalog.models() == {spec.model_id: st.faces}
    res = eng.search(photos[0], k=5)
    assert res.model == spec.model_id and res.threshold == pytest.approx(0.35)
    q = res.faces[res.chosen].vector
    assert q is not None and q.shape == (512,)
    assert res.matches and res.matches[0].similarity > 0.999  # the same photo is indexed
    onnx_ids = {m.face_id for m in eng.search(photos[1], k=50).matches}
    assert len(onnx_ids) == st.faces
    eng.close()

    # the default model on the same library: its own index, none of the ONNX vectors
    dl = facedex.open(str(lib), workers=1)
    assert dl.model_name == "dlib-resnet-v1"
    assert len(dl.index) == 0 and dl.index.path != eng.index.path
    assert dl.search(photos[0], k=10).matches == []
    dl.index_paths([other])
    dl_res = dl.search(photos[0], k=50)
    assert dl_res.matches and dl_res.model == "dlib-resnet-v1"
    assert dl_res.faces[dl_res.chosen].vector.shape == (128,)  # type: ignore[union-attr]
    assert not {m.face_id for m in dl_res.matches} & onnx_ids
    with pytest.raises(NotFoundError, match="embedded by onnx:arc@"):
        dl.face_vector(min(onnx_ids))

    dl.close()

    # and the ONNX library does not see the dlib vectors either
    eng = facedex.open(str(lib), embedder="onnx:arc", model_dir=model_dir, workers=1)
    got = {m.face_id for m in eng.search(photos[0], k=50).matches}
    assert got == onnx_ids
    eng.close()

    # a different file pulled under the same name is a different model: no shared index
    b = model_files["embedder2"]
    store.pull(http_server.url(b.name), _sha(b), "embedder", name="arc", force=True)
    eng2 = facedex.open(str(lib), embedder="onnx:arc", model_dir=model_dir, workers=1)
    assert eng2.model_name != spec.model_id
    assert len(eng2.index) == 0 and eng2.search(photos[0], k=10).matches == []
    stats = eng2.catalog.models()
    assert stats[spec.model_id] == len(onnx_ids) and stats["dlib-resnet-v1"] >= 1
    eng2.close()

    # moving the library to the default model: --reembed replaces the first ONNX model's faces
    dl = facedex.open(str(lib), workers=1)
    st2 = dl.index_items(FolderSource(photos), reembed=True)
    assert st2.processed == 3 and st2.skipped == 0
    assert spec.model_id not in dl.catalog.models()
    assert len(dl.index) == dl.catalog.count_faces("dlib-resnet-v1")
    assert [Path(m.source).name for m in dl.search(photos[0], k=1).matches] == ["img1.jpg"]
    dl.close()


def test_missing_model_says_how_to_pull(model_dir, tmp_path):
    from facedex.errors import ModelError

    with pytest.raises(ModelError, match="facedex models pull"):
        facedex.open(str(tmp_path / "lib"), embedder="onnx:nothing", model_dir=model_dir)


def test_index_dim_comes_from_manifest_without_loading(
    http_server, model_files, model_dir, tmp_path
):
    src = model_files["embedder"]
    ModelStore(model_dir).pull(http_server.url(src.name), _sha(src), "embedder", name="arc")
    eng = facedex.open(str(tmp_path / "lib"), embedder="onnx:arc", model_dir=model_dir)
    assert eng.index.dim == 512
    assert "analyzer" not in eng.__dict__  # no model was loaded to size the index
    eng.close()
