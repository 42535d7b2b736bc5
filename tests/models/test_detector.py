"""The SCRFD-style ONNX detector: decoding, letterbox and the registry wiring."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest

from facedex.config import Settings
from facedex.faces.onnx_detector import OnnxFaceDetector
from facedex.models.registry import build_analyzer, build_detector
from facedex.models.store import ModelStore
from facedex.types import DecodedImage


def _photo(w: int, h: int, x: int, y: int, side: int) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[y : y + side, x : x + side] = 255
    return img


@pytest.fixture(scope="module")
def detector(model_files):
    return OnnxFaceDetector(model_files["detector"], name="onnx:tiny-det", threshold=0.5)


def test_decodes_box_and_keypoints_in_photo_pixels(detector, tiny):
    # 1280x960 is letterboxed at scale 0.5; the white square becomes stride-32 cell (10, 10)
    dets = detector.detect(_photo(1280, 960, 640, 640, 64))
    assert len(dets) == 1
    d = dets[0]
    assert d.score > 0.99
    assert np.allclose(d.box, (640, 640, 704, 704), atol=0.5)
    assert d.keypoints is not None and d.keypoints.shape == (5, 2)
    want = 640 + tiny.DET_KPS.reshape(5, 2) * 64
    assert np.allclose(d.keypoints, want, atol=0.5)


def test_portrait_photo_and_nothing_to_find(detector):
    # 480x960: scale 0.667 along the height, padding on the right
    d = detector.detect(_photo(480, 960, 240, 480, 48))
    assert len(d) == 1 and np.allclose(d[0].box, (240, 480, 288, 528), atol=0.5)
    assert detector.detect(np.zeros((300, 300, 3), np.uint8)) == []


def test_dynamic_input_and_batch_axis_outputs(tmp_path, tiny):
    """Like insightface's det_10g export: input 1x3x?x?; some exports add a batch axis."""
    path = tiny.make_detector(tmp_path / "dyn.onnx", dynamic=True)
    from facedex.models.store import inspect_model

    info = inspect_model(path)
    assert info.kind == "detector" and info.input_size == (640, 640)
    det = OnnxFaceDetector(path, input_size=(320, 320))
    assert det.input_size == (320, 320)
    # 640x480 -> scale 0.5 into 320x320: the 64-px square becomes stride-32 cell (5, 3)
    d = det.detect(_photo(640, 480, 320, 192, 64))
    assert len(d) == 1 and np.allclose(d[0].box, (320, 192, 384, 256), atol=0.5)


def test_registry_builds_onnx_detector_and_analyzer(http_server, model_files, model_dir):
    store = ModelStore(model_dir)
    for key, name in (("detector", "det"), ("embedder", "arc")):
        p = model_files[key]
        store.pull(http_server.url(p.name), hashlib.sha256(p.read_bytes()).hexdigest(), name=name)
    kw: dict[str, Any] = {"detector": "onnx:det", "embedder": "onnx:arc", "model_dir": model_dir}
    s = Settings(**kw, min_face=8, min_quality=0.0)  # a synthetic face: no quality bar
    det = build_detector(s)
    assert isinstance(det, OnnxFaceDetector) and det.input_size == (640, 640)
    analyzer = build_analyzer(s)
    px = _photo(640, 640, 320, 320, 32)
    faces = analyzer.analyze(DecodedImage(pixels=px, format="ARRAY", width=640, height=640))
    assert len(faces) == 1
    f = faces[0]
    assert len(f.landmarks) == 5 and f.vector is not None and f.vector.shape == (512,)
    assert abs(float(np.linalg.norm(f.vector)) - 1) < 1e-5
