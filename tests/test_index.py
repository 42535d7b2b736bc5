"""Index: recall against exact search, save/load round trip, real deletes, catalog sync."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from facedex.index import open_index
from facedex.index.synced import SyncedIndex
from facedex.store.base import ImageRecord
from facedex.store.sqlite import SqliteCatalog
from facedex.types import Face


def unit(n: int, d: int = 128, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact_topk(base: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(q @ base.T), axis=1)[:, :k]


@pytest.mark.parametrize("backend", ["usearch", "hnswlib"])
def test_recall_at_10_vs_exact(backend: str) -> None:
    """Bound: recall@10 >= 0.95 on 20k random unit vectors (the hard case: no clusters),
    with the default parameters."""
    base, q = unit(20_000), unit(200, seed=1)
    idx = open_index(backend, 128, exact_below=0)
    idx.add(np.arange(len(base)), base)
    ids, sims = idx.search(q, 10)
    truth = exact_topk(base, q, 10)
    recall = np.mean([len(set(ids[i]) & set(truth[i])) / 10 for i in range(len(q))])
    assert recall >= 0.95, recall
    # similarities are cosine similarities, best first
    assert np.allclose(sims[:, 0], (q * base[ids[:, 0]]).sum(1), atol=1e-4)
    assert (np.diff(sims, axis=1) <= 1e-6).all()


def test_exact_mode_is_exact() -> None:
    base, q = unit(3_000), unit(20, seed=2)
    idx = open_index("usearch", 128, exact_below=10_000)
    idx.add(np.arange(len(base)), base)
    ids, _ = idx.search(q, 10)
    assert (ids == exact_topk(base, q, 10)).all()


def test_save_load_round_trip_and_delete(tmp_path: Path) -> None:
    base = unit(5_000)
    idx = open_index("usearch", 128, exact_below=0)
    idx.add(np.arange(1, 5_001), base)
    idx.remove(np.array([1, 2, 3]))
    assert 1 not in idx and 4 in idx and len(idx) == 4_997
    idx.save(tmp_path / "a.usearch")
    again = open_index("usearch", 128, exact_below=0)
    again.load(tmp_path / "a.usearch")
    assert len(again) == 4_997 and 1 not in again
    q = base[:3]  # the deleted vectors themselves: must not come back
    ids, _ = again.search(q, 5)
    assert not ({1, 2, 3} & set(ids.ravel().tolist()))
    a, _ = idx.search(base[10:20], 5)
    b, _ = again.search(base[10:20], 5)
    assert (a == b).all()


def _catalog_with(tmp_path: Path, n: int) -> tuple[SqliteCatalog, np.ndarray]:
    cat = SqliteCatalog(tmp_path / "c.sqlite")
    vecs = unit(n)
    recs = [
        ImageRecord(
            source=f"img{i}",
            status="done",
            sha256=f"h{i}",
            faces=[Face(box=(0, 0, 10, 10), score=1, landmarks=[], quality=1, vector=vecs[i])],
        )
        for i in range(n)
    ]
    cat.write_images(recs, "m")
    return cat, vecs


def test_synced_index_recovers_from_stale_and_damaged_files(tmp_path: Path) -> None:
    cat, vecs = _catalog_with(tmp_path, 300)
    idx = SyncedIndex(tmp_path / "index", cat, "m", 128, "usearch")
    assert len(idx) == 300
    # the catalog moves on while the index file is stale (a crash before save)
    cat.write_images(
        [
            ImageRecord(
                source="late",
                status="done",
                sha256="late",
                faces=[Face(box=(0, 0, 1, 1), score=1, landmarks=[], quality=1, vector=vecs[0])],
            )
        ],
        "m",
    )
    cat.delete_faces([5, 6])
    again = SyncedIndex(tmp_path / "index", cat, "m", 128, "usearch")
    assert len(again) == 299 and 5 not in again and 301 in again and not again.rebuilt
    # a damaged file is rebuilt from the catalog
    again.path.write_bytes(b"garbage")
    third = SyncedIndex(tmp_path / "index", cat, "m", 128, "usearch")
    assert third.rebuilt and len(third) == 299


def test_other_models_are_not_mixed(tmp_path: Path) -> None:
    cat, _ = _catalog_with(tmp_path, 50)
    other = SyncedIndex(tmp_path / "index", cat, "another-model", 128, "usearch")
    assert len(other) == 0


def test_usearch_then_onnxruntime_does_not_crash(tmp_path: Path) -> None:
    """An index opened before an ONNX model is loaded must not crash the process
    (usearch loaded before onnxruntime segfaults session creation)."""
    import subprocess
    import sys

    code = """
import numpy as np
from facedex.index import open_index
idx = open_index("usearch", 8, exact_below=0)
idx.add(np.arange(3), np.eye(3, 8, dtype=np.float32))
import onnxruntime as ort
from onnx import TensorProto, helper
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
print("alive")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "alive" in r.stdout, r.stderr[-2000:]
