"""dlib's ResNet face recogniser (99.38% on LFW, per its author), weights from the
face-recognition-models package.

Alignment uses dlib's 5-point shape predictor fitted inside the detector's box and
dlib's own chip template (150 px, padding 0.25), which is what the network was trained on.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from facedex.embed.base import l2_normalise
from facedex.errors import ModelError
from facedex.types import Detection, FloatArray, UInt8Array

# The shape predictor was trained on dlib HOG boxes. BlazeFace boxes sit differently
# (measured on the dev set: see bench/calibrate_boxes.py); this maps one to the other.
_BOX_FROM = {
    "blazeface": (0.0, -0.005, 0.95, 0.95),  # dx, dy (fractions of size), sx, sy
    "hog": (0.0, 0.0, 1.0, 1.0),
    "onnx": (0.0, 0.04, 1.0, 1.0),
}


def model_file(name: str) -> Path:
    """A weight file of the face-recognition-models package, found without importing it
    (its __init__ needs pkg_resources, which new setuptools no longer ships)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("face-recognition-models is not installed; run scripts/setup.sh")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.exists():
        raise ModelError(f"{path} is missing; reinstall face-recognition-models")
    return path


class DlibResNetEmbedder:
    name = "dlib-resnet-v1"
    dim = 128
    # Same-person threshold on cosine similarity. dlib's published rule is Euclidean
    # distance < 0.6 on raw vectors; we calibrated on the dev pairs (facedex eval).
    threshold = 0.925

    def __init__(self, detector_name: str = "blazeface") -> None:
        try:
            import dlib
        except ImportError as e:  # pragma: no cover
            raise ModelError(f"dlib is not installed ({e}); run scripts/setup.sh") from e
        self._dlib = dlib
        self._sp = dlib.shape_predictor(str(model_file("shape_predictor_5_face_landmarks.dat")))
        self._net = dlib.face_recognition_model_v1(
            str(model_file("dlib_face_recognition_resnet_model_v1.dat"))
        )
        self._box = _BOX_FROM.get(detector_name.split(":")[0], (0.0, 0.0, 1.0, 1.0))
        self._lock = threading.Lock()

    def _rect(self, box: tuple[float, float, float, float]) -> object:
        x1, y1, x2, y2 = box
        w, h = x2 - x1, y2 - y1
        dx, dy, sx, sy = self._box
        cx, cy = (x1 + x2) / 2 + dx * w, (y1 + y2) / 2 + dy * h
        side = max(w * sx, h * sy)
        return self._dlib.rectangle(
            int(cx - side / 2), int(cy - side / 2), int(cx + side / 2), int(cy + side / 2)
        )

    def align(
        self, pixels: UInt8Array, det: Detection
    ) -> tuple[UInt8Array, list[tuple[float, float]]]:
        shape = self._sp(pixels, self._rect(det.box))
        pts = [(float(shape.part(i).x), float(shape.part(i).y)) for i in range(shape.num_parts)]
        chip = self._dlib.get_face_chip(pixels, shape, size=150, padding=0.25)
        return np.asarray(chip, dtype=np.uint8), pts

    def embed(self, chips: list[UInt8Array]) -> FloatArray:
        if not chips:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            vecs = self._net.compute_face_descriptor(chips)
        return l2_normalise(np.asarray([np.asarray(v) for v in vecs], dtype=np.float32))
