"""The local cache of user-supplied ONNX models: download, verify, validate, describe.

Layout: ``<model_dir>/<name>/model.onnx`` plus ``manifest.json`` (name, kind, sha256, source,
dim, threshold, input size). A model is only ever visible in the cache after its checksum
matched and onnxruntime loaded it and ran it once with the shapes its kind needs, so a
half-downloaded or wrong file can never be picked up by a library.

Nothing here touches the network unless ``pull`` is called; the built-in catalogue only maps
well-known names to where their publishers host them, and a checksum is always required.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import numpy as np

from facedex.errors import ModelError

Kind = Literal["detector", "embedder"]
KINDS: tuple[Kind, ...] = ("detector", "embedder")

MANIFEST = "manifest.json"
MODEL_FILE = "model.onnx"
MANIFEST_FORMAT = 1
DEFAULT_MAX_BYTES = 1 << 30  # the largest public ArcFace models are ~260 MB
# embedder: ArcFace's usual same-person cosine. detector: SCRFD's own score cut-off, recorded
# for reference; a library detects with its FACEDEX_DETECT_THRESHOLD setting.
DEFAULT_THRESHOLDS: dict[str, float] = {"embedder": 0.35, "detector": 0.5}
SCRFD_STRIDES = (8, 16, 32)
SCRFD_ANCHORS = 2
DETECTOR_DEFAULT_SIZE = (640, 640)  # (width, height) when the model's input is dynamic

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class KnownModel:
    """A name the CLI understands without a URL. No checksum is shipped: we could not check
    the publisher's files ourselves, so the user passes the one they trust."""

    url: str
    kind: Kind
    member: str | None = None  # file inside a zip archive
    threshold: float | None = None


_INSIGHTFACE = "https://github.com/deepinsight/insightface/releases/download/v0.7/"
CATALOGUE: dict[str, KnownModel] = {
    "buffalo_l-w600k_r50": KnownModel(_INSIGHTFACE + "buffalo_l.zip", "embedder", "w600k_r50.onnx"),
    "buffalo_l-det_10g": KnownModel(_INSIGHTFACE + "buffalo_l.zip", "detector", "det_10g.onnx"),
    "buffalo_s-w600k_mbf": KnownModel(_INSIGHTFACE + "buffalo_s.zip", "embedder", "w600k_mbf.onnx"),
    "buffalo_s-det_500m": KnownModel(_INSIGHTFACE + "buffalo_s.zip", "detector", "det_500m.onnx"),
}


@dataclass(frozen=True)
class ModelSpec:
    """What the manifest says about one cached model; ``path`` is the .onnx file."""

    name: str
    kind: Kind
    sha256: str
    source: str
    threshold: float
    input_size: tuple[int, int]  # (width, height) the model is fed
    dim: int | None = None  # embedders only
    member: str | None = None
    size_bytes: int = 0
    path: Path = Path()

    @property
    def model_id(self) -> str:
        """Recorded with every vector: a re-pulled, different file under the same name gets
        a different id, so its vectors land in their own index."""
        return f"onnx:{self.name}@{self.sha256[:12]}"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("path")
        d["input_size"] = list(self.input_size)
        d["format"] = MANIFEST_FORMAT
        return d


ProgressFn = Callable[[int, int | None], None]


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def is_url(s: str) -> bool:
    return urlparse(s).scheme in ("http", "https")


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ModelError(
            f"invalid model name {name!r}: use 1-64 lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter or digit (pass --name)"
        )
    return name


def _name_from_url(url: str, member: str | None) -> str:
    stem = Path(member or urlparse(url).path).name
    for suffix in (".onnx", ".zip"):
        stem = stem.removesuffix(suffix)
    return re.sub(r"[^a-z0-9._-]", "-", stem.lower()).strip("-._") or "model"


class ModelStore:
    """Pulled ONNX models under one folder (``Settings.model_dir``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()

    # -- reading -----------------------------------------------------------------
    def list(self) -> list[ModelSpec]:
        if not self.root.is_dir():
            return []
        out = []
        for d in sorted(self.root.iterdir()):
            if not d.name.startswith(".") and (d / MANIFEST).is_file():  # skip pulls under way
                try:
                    out.append(self._read(d))
                except ModelError:
                    continue  # a damaged entry is reported by get(), not by list()
        return out

    def get(self, name: str, kind: Kind | None = None) -> ModelSpec:
        d = self.root / check_name(name)
        if not (d / MANIFEST).is_file():
            have = ", ".join(s.name for s in self.list()) or "none"
            raise ModelError(
                f"ONNX model {name!r} is not in {self.root} (cached: {have}); "
                f"run 'facedex models pull NAME|URL --sha256 HEX --name {name}'"
            )
        spec = self._read(d)
        if kind is not None and spec.kind != kind:
            raise ModelError(
                f"ONNX model {name!r} is {_a(spec.kind)}, not {_a(kind)}; "
                f"use it as FACEDEX_{spec.kind.upper()}=onnx:{name}"
            )
        if not spec.path.is_file():
            raise ModelError(f"ONNX model {name!r}: {spec.path} is missing; pull it again")
        return spec

    def remove(self, name: str) -> ModelSpec:
        spec = self.get(name)
        shutil.rmtree(self.root / name)
        return spec

    def _read(self, d: Path) -> ModelSpec:
        try:
            m = json.loads((d / MANIFEST).read_text())
            return ModelSpec(
                name=m["name"],
                kind=m["kind"],
                sha256=m["sha256"],
                source=m["source"],
                threshold=float(m["threshold"]),
                input_size=(int(m["input_size"][0]), int(m["input_size"][1])),
                dim=m.get("dim"),
                member=m.get("member"),
                size_bytes=int(m.get("size_bytes", 0)),
                path=d / MODEL_FILE,
            )
        except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
            raise ModelError(
                f"damaged manifest {d / MANIFEST} ({e}); remove the model "
                f"('facedex models remove {d.name}') and pull it again"
            ) from e

    # -- pulling -----------------------------------------------------------------
    def pull(
        self,
        name_or_url: str,
        sha256: str | None,
        kind: Kind | None = None,
        name: str | None = None,
        threshold: float | None = None,
        *,
        member: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = 60.0,
        force: bool = False,
        on_progress: ProgressFn | None = None,
    ) -> ModelSpec:
        """Download (or copy a local file), verify its sha256 and validate it, then cache.

        ``kind`` is inferred from the model's shapes when not given. ``member`` picks a file
        out of a zip archive (the checksum is then the archive's). Raises ModelError with
        nothing cached on any failure.
        """
        local = None
        if not is_url(name_or_url) and name_or_url not in CATALOGUE:
            local = Path(name_or_url).expanduser()
            if not local.is_file():
                raise ModelError(
                    f"{name_or_url!r} is neither an http(s) URL, an existing file, nor a known "
                    f"model name ({', '.join(sorted(CATALOGUE))})"
                )
        known = None if is_url(name_or_url) or local else CATALOGUE.get(name_or_url)
        url = known.url if known else (str(local.resolve()) if local else name_or_url)
        member = member or (known.member if known else None)
        kind = kind or (known.kind if known else None)
        if threshold is None and known is not None:
            threshold = known.threshold
        if kind is not None and kind not in KINDS:
            raise ModelError(f"kind must be one of {KINDS}, not {kind!r}")
        if not sha256:
            raise ModelError(
                f"no checksum for {url}: pass --sha256 with the SHA-256 the "
                "publisher lists (we never cache an unverified model)"
            )
        want = sha256.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", want):
            raise ModelError(f"--sha256 must be 64 hex digits, got {sha256!r}")
        if threshold is not None and not -1.0 <= threshold <= 1.0:
            raise ModelError(f"threshold must be in [-1, 1], got {threshold}")
        name = check_name(name or (name_or_url if known else _name_from_url(url, member)))
        dest = self.root / name
        if (dest / MANIFEST).is_file() and not force:
            old = self._read(dest)
            if old.sha256 == want and old.path.is_file():
                return old
            raise ModelError(
                f"a different model is already cached as {name!r} "
                f"(sha256 {old.sha256[:12]}...): remove it first, pass --force, "
                "or choose another --name"
            )

        self.root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".part", dir=self.root))
        try:
            raw = work / "download"
            if local is not None:
                got = _copy(local, raw, max_bytes, on_progress)
            else:
                got, _ = self._download(url, raw, max_bytes, timeout, on_progress)
            if got != want:
                raise ModelError(
                    f"checksum mismatch for {url}: expected {want}, got {got}; "
                    "the file is damaged or not the one you meant (nothing cached)"
                )
            onnx_path = work / MODEL_FILE
            if member:
                _extract(raw, member, onnx_path, max_bytes)
                raw.unlink()
            else:
                raw.rename(onnx_path)
            info = inspect_model(onnx_path, kind)
            spec = ModelSpec(
                name=name,
                kind=info.kind,
                sha256=got,
                source=url,
                threshold=(threshold if threshold is not None else DEFAULT_THRESHOLDS[info.kind]),
                input_size=info.input_size,
                dim=info.dim,
                member=member,
                size_bytes=onnx_path.stat().st_size,
                path=dest / MODEL_FILE,
            )
            (work / MANIFEST).write_text(json.dumps(spec.to_json(), indent=2))
            # the folder appears complete or not at all
            if dest.exists():
                trash = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".old", dir=self.root))
                os.replace(dest, trash / name)
                os.replace(work, dest)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(work, dest)
            return spec
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @staticmethod
    def _download(
        url: str, out: Path, max_bytes: int, timeout: float, on_progress: ProgressFn | None
    ) -> tuple[str, int]:
        import httpx

        h = hashlib.sha256()
        n = 0
        too_big = (
            f"{url} is larger than the {max_bytes:,}-byte limit; if this really is the "
            "model, raise the limit (--max-mb)"
        )
        try:
            with httpx.stream(
                "GET",
                url,
                follow_redirects=True,
                timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            ) as r:
                if r.status_code != 200:
                    raise ModelError(f"download failed: {url} answered HTTP {r.status_code}")
                length = r.headers.get("content-length")
                total = int(length) if length and length.isdigit() else None
                if total is not None and total > max_bytes:
                    raise ModelError(too_big)
                with out.open("wb") as f:
                    for chunk in r.iter_bytes(1 << 20):
                        n += len(chunk)
                        if n > max_bytes:
                            raise ModelError(too_big)
                        h.update(chunk)
                        f.write(chunk)
                        if on_progress:
                            on_progress(n, total)
                if total is not None and n != total:
                    raise ModelError(
                        f"download of {url} stopped after {n} of {total} bytes; try again"
                    )
        except httpx.HTTPError as e:
            raise ModelError(f"download failed: {url}: {type(e).__name__}: {e}") from e
        return h.hexdigest(), n


def _copy(src: Path, out: Path, max_bytes: int, on_progress: ProgressFn | None) -> str:
    """A local file (downloaded by hand, say) goes through the same checks as a download."""
    total = src.stat().st_size
    if total > max_bytes:
        raise ModelError(f"{src} is larger than the {max_bytes:,}-byte limit (--max-mb)")
    h = hashlib.sha256()
    n = 0
    with src.open("rb") as f, out.open("wb") as g:
        while chunk := f.read(1 << 20):
            n += len(chunk)
            h.update(chunk)
            g.write(chunk)
            if on_progress:
                on_progress(n, total)
    return h.hexdigest()


def _extract(archive: Path, member: str, out: Path, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(archive) as z:
            names = z.namelist()
            hit = next((m for m in names if m == member or m.endswith("/" + member)), None)
            if hit is None:
                raise ModelError(
                    f"{member} is not in the archive (it has: {', '.join(names[:20])})"
                )
            if z.getinfo(hit).file_size > max_bytes:
                raise ModelError(f"{member} is larger than the {max_bytes:,}-byte limit")
            with z.open(hit) as src, out.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    except zipfile.BadZipFile as e:
        raise ModelError(f"expected a zip archive holding {member}: {e}") from e


@dataclass(frozen=True)
class ModelInfo:
    kind: Kind
    input_size: tuple[int, int]
    dim: int | None


def open_session(path: Path) -> Any:
    """A CPU onnxruntime session with one thread: parallelism comes from worker processes."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    try:
        return ort.InferenceSession(
            str(path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
    except Exception as e:  # onnxruntime raises its own exception types
        raise ModelError(f"{path} is not a loadable ONNX model: {str(e)[:300]}") from e


def _static(v: Any) -> int | None:
    return v if isinstance(v, int) and v > 0 else None


def inspect_model(path: Path, kind: Kind | None = None) -> ModelInfo:
    """Load the model and run it once on zeros; say what it is or why it is not usable.

    Embedder: one input N x 3 x 112 x 112 (N may be dynamic) and one output (N, D).
    Detector: SCRFD-style, one N x 3 x H x W input and 9 outputs: scores (.., 1), boxes
    (.., 4) and 5 keypoints (.., 10) for strides 8/16/32 with 2 anchors per location.
    """
    sess = open_session(path)
    inputs = sess.get_inputs()
    if len(inputs) != 1 or len(inputs[0].shape) != 4:
        raise ModelError(
            f"{path.name}: expected one NCHW image input, got {[(i.name, i.shape) for i in inputs]}"
        )
    shape = inputs[0].shape
    if _static(shape[1]) not in (3, None):
        raise ModelError(f"{path.name}: expected 3 input channels, got input shape {shape}")
    n_out = len(sess.get_outputs())
    if kind is None:
        kind = "detector" if n_out == 9 else "embedder"
    if kind == "embedder":
        return _check_embedder(sess, path, shape)
    return _check_detector(sess, path, shape)


def _check_embedder(sess: Any, path: Path, shape: list[Any]) -> ModelInfo:
    outs = sess.get_outputs()
    if [_static(s) for s in shape[2:]] not in ([112, 112], [None, None]):
        raise ModelError(
            f"{path.name}: an ArcFace-style embedder takes 112x112 chips, this "
            f"model's input is {shape}"
        )
    if len(outs) != 1:
        raise ModelError(
            f"{path.name}: an embedder has one output, this model has {len(outs)}"
            " (is it a detector? pass --kind detector)"
        )
    batch = _static(shape[0]) or 2  # run a batch of 2 when the batch is dynamic
    x = np.zeros((batch, 3, 112, 112), np.float32)
    try:
        y = np.asarray(sess.run(None, {sess.get_inputs()[0].name: x})[0])
    except Exception as e:
        raise ModelError(f"{path.name}: running it on a 112x112 chip failed: {e}") from e
    if y.ndim != 2 or y.shape[0] != batch or y.shape[1] < 2:
        raise ModelError(
            f"{path.name}: expected output (N, D) for input (N, 3, 112, 112), got {y.shape}"
        )
    return ModelInfo("embedder", (112, 112), int(y.shape[1]))


def _check_detector(sess: Any, path: Path, shape: list[Any]) -> ModelInfo:
    outs = sess.get_outputs()
    if len(outs) != 9:
        raise ModelError(
            f"{path.name}: an SCRFD-style detector has 9 outputs (scores, boxes, "
            f"keypoints for strides 8/16/32), this model has {len(outs)}"
            " (is it an embedder? pass --kind embedder)"
        )
    h, w = _static(shape[2]), _static(shape[3])
    size = (w, h) if w and h else DETECTOR_DEFAULT_SIZE
    if size[0] % 32 or size[1] % 32:
        raise ModelError(f"{path.name}: input size {size} is not a multiple of 32")
    x = np.zeros((1, 3, size[1], size[0]), np.float32)
    try:
        ys = [np.asarray(y) for y in sess.run(None, {sess.get_inputs()[0].name: x})]
    except Exception as e:
        raise ModelError(
            f"{path.name}: running it on a {size[0]}x{size[1]} image failed: {e}"
        ) from e
    try:
        split_scrfd_outputs(ys, size)
    except ValueError as e:
        raise ModelError(f"{path.name}: not an SCRFD-style detector: {e}") from e
    return ModelInfo("detector", size, None)


def split_scrfd_outputs(
    outputs: list[np.ndarray], size: tuple[int, int]
) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Group raw outputs into (stride, scores (n,), boxes (n,4), kps (n,10)) per stride.

    Exporters order and name outputs differently, so they are matched by shape: the last
    axis tells scores/boxes/keypoints apart, the row count tells the stride.
    """
    w, h = size
    rows = {(w // s) * (h // s) * SCRFD_ANCHORS: s for s in SCRFD_STRIDES}
    by: dict[tuple[int, int], np.ndarray] = {}
    for y in outputs:
        y2 = y[0] if y.ndim == 3 and y.shape[0] == 1 else y
        if y2.ndim != 2 or y2.shape[1] not in (1, 4, 10) or y2.shape[0] not in rows:
            raise ValueError(
                f"unexpected output shape {y.shape} for a {w}x{h} input "
                f"(want rows in {sorted(rows)} with 1, 4 or 10 columns)"
            )
        key = (rows[y2.shape[0]], y2.shape[1])
        if key in by:
            raise ValueError(f"two outputs of shape {y.shape}")
        by[key] = y2
    missing = [k for k in ((s, c) for s in SCRFD_STRIDES for c in (1, 4, 10)) if k not in by]
    if missing:
        raise ValueError(f"missing outputs (stride, columns): {missing}")
    return [(s, by[(s, 1)][:, 0], by[(s, 4)], by[(s, 10)]) for s in SCRFD_STRIDES]
