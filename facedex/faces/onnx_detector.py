"""SCRFD/RetinaFace-style detectors that users bring as ONNX (insightface's det_10g.onnx...).

The image is letterboxed (scaled to fit, pasted top-left on black) into the model's input,
normalised as SCRFD was trained ((x - 127.5) / 128, RGB). Each of strides 8/16/32 gives,
per location and for 2 anchors, a score, 4 distances from the anchor point to the box edges
and 5 keypoint offsets, all in units of the stride (insightface's distance2bbox/kps). The
anchor point of cell (row, col) is (col * stride, row * stride).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PIL import Image

from facedex.faces.base import nms
from facedex.models.store import (
    DETECTOR_DEFAULT_SIZE,
    SCRFD_ANCHORS,
    open_session,
    split_scrfd_outputs,
)
from facedex.types import Detection, UInt8Array


def _anchor_centres(w: int, h: int, stride: int) -> np.ndarray:
    fw, fh = w // stride, h // stride
    ys, xs = np.mgrid[0:fh, 0:fw]
    pts = np.stack([xs, ys], axis=-1).reshape(-1, 2).astype(np.float32) * stride
    return np.repeat(pts, SCRFD_ANCHORS, axis=0)


class OnnxFaceDetector:
    """One onnxruntime CPU session, one thread. Returns boxes and 5 keypoints per face."""

    def __init__(
        self,
        path: str | Path,
        name: str = "onnx",
        threshold: float = 0.5,
        input_size: tuple[int, int] | None = None,
        nms_thresh: float = 0.4,
    ) -> None:
        self.path = Path(path)
        self.name = name
        self.threshold = float(threshold)
        self.nms_thresh = nms_thresh
        self._sess = open_session(self.path)
        inp = self._sess.get_inputs()[0]
        self._input = inp.name
        h, w = inp.shape[2], inp.shape[3]
        fixed = (w, h) if isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0 else None
        self.input_size: tuple[int, int] = fixed or input_size or DETECTOR_DEFAULT_SIZE
        self._centres = {s: _anchor_centres(*self.input_size, s) for s in (8, 16, 32)}
        self._lock = threading.Lock()

    def _letterbox(self, pixels: UInt8Array) -> tuple[np.ndarray, float]:
        w_in, h_in = self.input_size
        h, w = pixels.shape[:2]
        scale = min(w_in / w, h_in / h)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        im = Image.fromarray(np.ascontiguousarray(pixels[..., :3]))
        if (nw, nh) != (w, h):
            im = im.resize((nw, nh), Image.Resampling.BILINEAR)
        canvas = np.zeros((h_in, w_in, 3), np.float32)
        canvas[:nh, :nw] = np.asarray(im, np.float32)
        x = ((canvas - 127.5) / 128.0).transpose(2, 0, 1)[None]
        return np.ascontiguousarray(x), scale

    def detect(self, pixels: UInt8Array) -> list[Detection]:
        x, scale = self._letterbox(pixels)
        with self._lock:
            outs = [np.asarray(y) for y in self._sess.run(None, {self._input: x})]
        dets: list[Detection] = []
        h, w = pixels.shape[:2]
        for stride, scores, boxes, kps in split_scrfd_outputs(outs, self.input_size):
            keep = np.nonzero(scores >= self.threshold)[0]
            if not len(keep):
                continue
            c = self._centres[stride][keep]
            d = boxes[keep] * stride
            b = (
                np.stack(
                    [c[:, 0] - d[:, 0], c[:, 1] - d[:, 1], c[:, 0] + d[:, 2], c[:, 1] + d[:, 3]],
                    axis=1,
                )
                / scale
            )
            k = (
                np.repeat(c, 5, axis=0).reshape(-1, 5, 2) + kps[keep].reshape(-1, 5, 2) * stride
            ) / scale
            for i in range(len(keep)):
                x1, y1, x2, y2 = (float(v) for v in b[i])
                box = (max(0.0, x1), max(0.0, y1), min(float(w), x2), min(float(h), y2))
                if box[2] <= box[0] or box[3] <= box[1]:
                    continue
                dets.append(
                    Detection(
                        box=box, score=float(scores[keep[i]]), keypoints=k[i].astype(np.float32)
                    )
                )
        return nms(dets, self.nms_thresh)
