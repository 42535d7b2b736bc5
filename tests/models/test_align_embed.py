"""ArcFace alignment (landmarks land on the template) and the ONNX embedder on a tiny model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from facedex.embed.align import (
    ARCFACE_TEMPLATE,
    align_arcface,
    similarity_transform,
    warp_affine,
)
from facedex.embed.onnx_arcface import OnnxArcFaceEmbedder
from facedex.types import Detection


def _similarity(scale: float, angle_deg: float, tx: float, ty: float) -> np.ndarray:
    a = math.radians(angle_deg)
    c, s = scale * math.cos(a), scale * math.sin(a)
    return np.array([[c, -s, tx], [s, c, ty]])


def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ m[:, :2].T + m[:, 2]


def _blobs(shape: tuple[int, int], pts: np.ndarray, sigma: float) -> np.ndarray:
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    img = np.zeros(shape)
    for x, y in pts:
        img += np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma**2))
    g = np.clip(img * 255, 0, 255).astype(np.uint8)
    return np.stack([g, g, g], axis=-1)


def _centroids(chip: np.ndarray, near: np.ndarray, r: int = 6) -> np.ndarray:
    g = chip[..., 0].astype(np.float64)
    out = []
    for x, y in near:
        x0, y0 = round(x), round(y)
        win = g[y0 - r : y0 + r + 1, x0 - r : x0 + r + 1]
        ys, xs = np.mgrid[y0 - r : y0 + r + 1, x0 - r : x0 + r + 1]
        out.append([(win * xs).sum() / win.sum(), (win * ys).sum() / win.sum()])
    return np.array(out)


# the face in the photo: template scaled x2.4, rotated 17 degrees, moved
FACE = _similarity(2.4, 17.0, 130.0, 60.0)


def test_similarity_transform_recovers_known_transform():
    src = ARCFACE_TEMPLATE
    m = _similarity(0.7, -33.0, 12.0, -4.0)
    got = similarity_transform(src, _apply(m, src))
    assert np.allclose(got, m, atol=1e-9)
    with pytest.raises(ValueError):
        similarity_transform(np.zeros((5, 2)), ARCFACE_TEMPLATE)


def test_five_point_alignment_puts_landmarks_on_template():
    pts = _apply(FACE, ARCFACE_TEMPLATE)
    img = _blobs((420, 400), pts, sigma=3.0)
    chip, used = align_arcface(
        img, Detection(box=(0, 0, 400, 420), score=1.0, keypoints=pts.astype(np.float32))
    )
    assert chip.shape == (112, 112, 3) and chip.dtype == np.uint8
    assert np.allclose(used, pts, atol=1e-3)
    err = np.linalg.norm(_centroids(chip, ARCFACE_TEMPLATE) - ARCFACE_TEMPLATE, axis=1)
    assert err.max() < 1.0, err


def test_blazeface_six_points_align_eyes_nose_mouth():
    """BlazeFace: right eye (image left), left eye, nose tip, mouth centre, two ears."""
    five = _apply(FACE, ARCFACE_TEMPLATE)
    ears = _apply(FACE, np.array([[8.0, 60.0], [104.0, 60.0]]))
    six = np.vstack([five[:3], five[3:5].mean(0), ears])
    img = _blobs((420, 400), five, sigma=3.0)
    chip, used = align_arcface(
        img, Detection(box=(0, 0, 400, 420), score=1.0, keypoints=six.astype(np.float32))
    )
    assert len(used) == 4  # the ears are not used
    err = np.linalg.norm(_centroids(chip, ARCFACE_TEMPLATE) - ARCFACE_TEMPLATE, axis=1)
    assert err.max() < 1.0, err


def test_box_only_detection_gives_a_chip():
    img = np.full((200, 200, 3), 90, np.uint8)
    chip, used = align_arcface(img, Detection(box=(50.0, 40.0, 150.0, 160.0), score=0.9))
    assert chip.shape == (112, 112, 3) and len(used) == 5
    assert all(50 <= x <= 150 and 40 <= y <= 160 for x, y in used)
    assert (chip > 0).mean() > 0.9  # the crop stays inside the photo


def test_warp_matches_integer_translation():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (150, 150, 3), dtype=np.uint8)
    chip = warp_affine(img, np.array([[1.0, 0, -10], [0, 1.0, -20]]))
    assert np.array_equal(chip, img[20:132, 10:122])


@pytest.fixture(scope="module")
def embedder(model_files):
    return OnnxArcFaceEmbedder(model_files["embedder"], name="onnx:tiny", threshold=0.4)


def test_embedder_batches_and_normalises(embedder):
    assert embedder.dim == 512 and embedder.threshold == 0.4 and embedder.name == "onnx:tiny"
    rng = np.random.default_rng(1)
    chips = [rng.integers(0, 255, (112, 112, 3), dtype=np.uint8) for _ in range(5)]
    batch = embedder.embed(chips)
    assert batch.shape == (5, 512) and batch.dtype == np.float32
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    one = np.vstack([embedder.embed([c]) for c in chips])
    assert np.allclose(batch, one, atol=1e-5)
    assert float(batch[0] @ batch[1]) < 0.999  # different chips, different vectors
    assert embedder.embed([]).shape == (0, 512)


def test_embedder_small_batch_size(model_files):
    emb = OnnxArcFaceEmbedder(model_files["embedder"], batch_size=2)
    chips = [np.full((112, 112, 3), v, np.uint8) for v in (0, 60, 120, 250, 30)]
    assert emb.embed(chips).shape == (5, 512)
