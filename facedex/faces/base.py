"""The detector interface and the box arithmetic every detector shares."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from facedex.types import Detection, UInt8Array


class Detector(Protocol):
    """Finds faces in RGB pixels. Boxes and keypoints are in the pixels' own coordinates."""

    name: str

    def detect(self, pixels: UInt8Array) -> list[Detection]: ...


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def nms(dets: list[Detection], thresh: float = 0.3) -> list[Detection]:
    """Weighted non-maximum suppression: overlapping boxes are averaged by score.

    Averaging (as MediaPipe does) gives steadier boxes than keeping only the best one,
    which matters because landmarks are fitted inside the box.
    """
    order = sorted(dets, key=lambda d: -d.score)
    out: list[Detection] = []
    used = [False] * len(order)
    for i, d in enumerate(order):
        if used[i]:
            continue
        group = [d]
        for j in range(i + 1, len(order)):
            if not used[j] and iou(d.box, order[j].box) > thresh:
                used[j] = True
                group.append(order[j])
        w = np.array([g.score for g in group], dtype=np.float64)
        boxes = np.array([g.box for g in group], dtype=np.float64)
        box = tuple(float(v) for v in (boxes * w[:, None]).sum(0) / w.sum())
        kps = d.keypoints
        same_kps = [g.keypoints for g in group if g.keypoints is not None]
        if kps is not None and len(same_kps) == len(group):
            kps = (np.stack(same_kps) * w[:, None, None]).sum(0) / w.sum()
            kps = kps.astype(np.float32)
        out.append(Detection(box=box, score=d.score, keypoints=kps))  # type: ignore[arg-type]
    return out
