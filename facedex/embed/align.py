"""Similarity alignment to the ArcFace 112x112 template, in numpy (no OpenCV needed).

Coordinates follow OpenCV's convention, which insightface used to make the training chips:
pixel (i, j) has its centre at x=j, y=i. The warp samples bilinearly, so a landmark that
maps onto a template point lands there to well under a pixel.

Which points are fitted depends on what the detector gives:

* 5 keypoints (SCRFD/RetinaFace: eye, eye, nose, mouth corner, mouth corner, in image
  left-to-right order): the standard 5-point fit.
* 6 keypoints (BlazeFace: the subject's right eye, left eye, nose tip, mouth centre, right
  ear, left ear; the subject's right eye is on the image's left): eyes, nose and mouth
  centre are fitted against the template's eyes, nose and the midpoint of its mouth
  corners. The ears are ignored; the template has no ears.
* nothing (HOG): five landmarks are placed at their average position inside a HOG box
  (``BOX_LANDMARKS``) and fitted as above. This is only a crop, not an alignment, so
  such vectors match less well; use a detector with keypoints for real work.
"""

from __future__ import annotations

import numpy as np

from facedex.types import Detection, UInt8Array

CHIP = 112
# insightface's arcface_dst: left eye, right eye, nose, left mouth corner, right mouth corner
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)
_MOUTH_CENTRE = ARCFACE_TEMPLATE[3:5].mean(0)
BLAZEFACE_TEMPLATE = np.vstack([ARCFACE_TEMPLATE[:3], _MOUTH_CENTRE])
# where the five points sit, as fractions of a dlib HOG box (x1, y1, x2, y2): the mean of
# dlib's 68-point fit on the HOG boxes of ../shared/faces/deepface (the only detector here
# without keypoints)
BOX_LANDMARKS = np.array(
    [[0.307, 0.290], [0.721, 0.293], [0.515, 0.529], [0.310, 0.721], [0.709, 0.723]],
    dtype=np.float64,
)


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 matrix of the rotation+uniform scale+translation taking ``src`` closest to ``dst``
    in least squares (Umeyama 1991, without reflection)."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise ValueError(f"need matching (n>=2, 2) point sets, got {src.shape} and {dst.shape}")
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    var_s = (s**2).sum() / len(src)
    if var_s < 1e-12:
        raise ValueError("landmarks coincide; cannot align")
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    e = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        e[1, 1] = -1
    r = u @ e @ vt
    scale = float((sig * np.diag(e)).sum() / var_s)
    t = mu_d - scale * r @ mu_s
    return np.hstack([scale * r, t[:, None]])


def warp_affine(pixels: UInt8Array, m: np.ndarray, size: int = CHIP) -> UInt8Array:
    """Output pixel p takes the input at M^-1 p, bilinear, black outside (like cv2)."""
    a = np.vstack([m, [0.0, 0.0, 1.0]])
    inv = np.linalg.inv(a)[:2]
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    sx = inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2]
    sy = inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]
    h, w = pixels.shape[:2]
    img = pixels.reshape(h, w, -1).astype(np.float32)
    x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
    out = np.zeros((size, size, img.shape[2]), np.float32)
    for dy, dx, wgt in (
        (0, 0, (1 - fx) * (1 - fy)),
        (0, 1, fx * (1 - fy)),
        (1, 0, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        xi, yi = x0 + dx, y0 + dy
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        vals = np.zeros_like(out)
        vals[ok] = img[yi[ok], xi[ok]]
        out += vals * wgt
    chip = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return chip.reshape((size, size, *pixels.shape[2:]))


def landmarks_for(det: Detection) -> tuple[np.ndarray, np.ndarray]:
    """(points in the image, matching template points) for this detection's keypoints."""
    kp = None if det.keypoints is None else np.asarray(det.keypoints, np.float64).reshape(-1, 2)
    if kp is not None and len(kp) == 5:
        return kp, ARCFACE_TEMPLATE
    if kp is not None and len(kp) == 6:
        return kp[:4], BLAZEFACE_TEMPLATE
    x1, y1, x2, y2 = det.box
    pts = np.array([x1, y1]) + BOX_LANDMARKS * np.array([x2 - x1, y2 - y1])
    return pts, ARCFACE_TEMPLATE


def align_arcface(
    pixels: UInt8Array, det: Detection
) -> tuple[UInt8Array, list[tuple[float, float]]]:
    """112x112 ArcFace chip and the image landmarks it was aligned on."""
    pts, tmpl = landmarks_for(det)
    try:
        m = similarity_transform(pts, tmpl)
    except ValueError:  # degenerate keypoints: fall back to the box
        pts, tmpl = landmarks_for(Detection(box=det.box, score=det.score))
        m = similarity_transform(pts, tmpl)
    return warp_affine(pixels, m), [(float(x), float(y)) for x, y in pts]
