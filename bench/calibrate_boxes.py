"""Measure how BlazeFace boxes sit relative to dlib HOG boxes (which dlib's 5-point
shape predictor was trained on), to set the box mapping in facedex/embed/dlib_resnet.py.

Run by hand: python bench/calibrate_boxes.py ../shared/faces/deepface
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from facedex.decode import decode_file
from facedex.faces.base import iou
from facedex.faces.blazeface import BlazeFaceDetector
from facedex.faces.hog import HogDetector


def main(folder: str) -> None:
    bf, hog = BlazeFaceDetector(min_face=8), HogDetector()
    rows = []
    for p in sorted(Path(folder).glob("*.jpg")):
        img = decode_file(p)
        hs = hog.detect(img.pixels)
        for b in bf.detect(img.pixels):
            best = max(hs, key=lambda h: iou(h.box, b.box), default=None)
            if best is None or iou(best.box, b.box) < 0.3:
                continue
            bx, hx = b.box, best.box
            bw, bh = bx[2] - bx[0], bx[3] - bx[1]
            rows.append(
                (
                    ((hx[0] + hx[2]) - (bx[0] + bx[2])) / 2 / bw,
                    ((hx[1] + hx[3]) - (bx[1] + bx[3])) / 2 / bh,
                    (hx[2] - hx[0]) / bw,
                    (hx[3] - hx[1]) / bh,
                )
            )
    a = np.asarray(rows)
    print(f"{len(a)} matched faces; median dx, dy, sx, sy =", np.round(np.median(a, 0), 3))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/faces/deepface")
