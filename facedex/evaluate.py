"""Verification evaluation on labelled pairs: accuracy, ROC AUC, TAR@FAR, ROC plot.

Two formats: a CSV ``file_x,file_y,label`` (label Yes/No/1/0/true/false; extra columns are
ignored; a stale path prefix is stripped when the file is not found as written), and LFW
``pairs.txt`` (header ``folds pairs_per_fold`` then ``name i j`` / ``name1 i name2 j``),
for which accuracy uses 10-fold cross-validated thresholds as the LFW protocol asks.
Pairs where a face is missing are counted as errors (similarity -inf), never dropped.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from facedex.errors import FacedexError, ImageError, NoFaceError


@dataclass(slots=True)
class Pair:
    a: Path
    b: Path
    same: bool
    fold: int = 0


def _resolve(name: str, root: Path) -> Path:
    p = Path(name)
    if not p.is_absolute():
        p = root / p
    if p.exists():
        return p
    # stale prefixes such as "deepface/tests/dataset/img1.jpg": try shorter tails
    parts = Path(name).parts
    for i in range(1, len(parts)):
        q = root.joinpath(*parts[i:])
        if q.exists():
            return q
    return p


def _label(v: str) -> bool:
    s = v.strip().lower()
    if s in ("yes", "1", "true", "same", "y"):
        return True
    if s in ("no", "0", "false", "different", "n"):
        return False
    raise FacedexError(f"unknown pair label {v!r}: use Yes/No, 1/0 or true/false")


def load_pairs(path: Path, root: Path | None = None) -> list[Pair]:
    path = Path(path)
    root = Path(root) if root else path.parent
    text = path.read_text().splitlines()
    if not text:
        raise FacedexError(f"{path}: empty pair list")
    first = text[0].split()
    if len(first) in (1, 2) and all(x.isdigit() for x in first):
        return _load_lfw(text, root)
    pairs = []
    reader = csv.reader(text)
    header = next(reader)
    lower = [h.strip().lower() for h in header]
    label_col = next((i for i, h in enumerate(lower) if h in ("decision", "label", "same")), 2)
    for row in reader:
        if len(row) < 3:
            continue
        pairs.append(Pair(_resolve(row[0], root), _resolve(row[1], root), _label(row[label_col])))
    return pairs


def _load_lfw(lines: list[str], root: Path) -> list[Pair]:
    head = lines[0].split()
    folds, per = (int(head[0]), int(head[1])) if len(head) == 2 else (1, int(head[0]))
    out: list[Pair] = []

    def img(name: str, i: str) -> Path:
        return root / name / f"{name}_{int(i):04d}.jpg"

    for n, line in enumerate(lines[1:]):
        f = line.split()
        fold = n // (2 * per) if folds > 1 else 0
        if len(f) == 3:
            out.append(Pair(img(f[0], f[1]), img(f[0], f[2]), True, fold))
        elif len(f) == 4:
            out.append(Pair(img(f[0], f[1]), img(f[2], f[3]), False, fold))
    return out


def roc(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FAR, TAR and thresholds, sweeping every distinct score (highest first)."""
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(~y)
    P, N = max(int(y.sum()), 1), max(int((~y).sum()), 1)
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    far = np.r_[0.0, fp[last] / N]
    tar = np.r_[0.0, tp[last] / P]
    thr = np.r_[np.inf, s[last]]
    return far, tar, thr


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    finite = np.unique(scores[np.isfinite(scores)])
    if finite.size == 0:
        return 0.0, float((~labels).mean())
    cands = np.r_[finite, finite[-1] + 1e-6]
    accs = [((scores >= t) == labels).mean() for t in cands]
    i = int(np.argmax(accs))
    return float(cands[i]), float(accs[i])


def tar_at_far(far: np.ndarray, tar: np.ndarray, target: float) -> float:
    ok = far <= target
    return float(tar[ok].max()) if ok.any() else 0.0


def evaluate_pairs(
    engine: Any, pairs: list[Pair], plot: Path | None = None, progress: bool = True
) -> dict[str, Any]:
    from rich.progress import track

    cache: dict[Path, np.ndarray | None] = {}

    def vec(p: Path) -> np.ndarray | None:
        if p not in cache:
            try:
                faces, i = engine.embed_one(p)
                cache[p] = faces[i].vector
            except (NoFaceError, ImageError):
                cache[p] = None
        return cache[p]

    scores = np.full(len(pairs), -np.inf)
    labels = np.array([p.same for p in pairs], dtype=bool)
    missing = 0
    it = track(pairs, description="embedding pairs") if progress else pairs
    for n, p in enumerate(it):
        a, b = vec(p.a), vec(p.b)
        if a is None or b is None:
            missing += 1
            continue
        scores[n] = float(np.dot(a, b))
    far, tar, _ = roc(scores, labels)
    auc = float(np.trapezoid(tar, far))
    thr = float(engine.threshold)
    acc_fixed = float(((scores >= thr) == labels).mean())
    best_t, best_acc = best_threshold(scores, labels)
    folds = sorted({p.fold for p in pairs})
    cv_acc = None
    if len(folds) > 1:
        fold = np.array([p.fold for p in pairs])
        accs = []
        for f in folds:
            t, _ = best_threshold(scores[fold != f], labels[fold != f])
            accs.append(float(((scores[fold == f] >= t) == labels[fold == f]).mean()))
        cv_acc = float(np.mean(accs))
    report = {
        "pairs": len(pairs),
        "same": int(labels.sum()),
        "different": int((~labels).sum()),
        "no_face_pairs": missing,
        "model": engine.model_name,
        "threshold": round(thr, 4),
        "accuracy_at_threshold": round(acc_fixed, 4),
        "best_threshold": round(best_t, 4),
        "best_accuracy": round(best_acc, 4),
        "accuracy_10fold": None if cv_acc is None else round(cv_acc, 4),
        "roc_auc": round(auc, 4),
        "tar_at_far_1e-2": round(tar_at_far(far, tar, 1e-2), 4),
        "tar_at_far_1e-3": round(tar_at_far(far, tar, 1e-3), 4),
    }
    if plot:
        _plot(far, tar, report, plot)
        report["plot"] = str(plot)
    return report


def _plot(far: np.ndarray, tar: np.ndarray, rep: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=110)
    # FAR on a log axis, as face verification reports it: the interesting part is near 0
    lo = 10 ** np.floor(np.log10(1.0 / max(2, rep["different"])))
    ax.step(
        np.maximum(far, lo),
        tar,
        where="post",
        lw=2,
        label=f"{rep['model']} (AUC {rep['roc_auc']:.3f})",
    )
    for x in (1e-3, 1e-2):
        ax.axvline(x, c="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("false accept rate (log)")
    ax.set_ylabel("true accept rate")
    ax.set_title(f"ROC, {rep['pairs']} pairs ({rep['no_face_pairs']} without a face)")
    ax.set_xlim(lo, 1)
    ax.set_ylim(0, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
