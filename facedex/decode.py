"""Decode stage: bytes -> upright 8-bit RGB pixels, or an ImageError with a stable code.

The real type comes from the bytes (Pillow sniffs magic numbers), never the file name.
Large JPEGs are decoded at a reduced DCT scale, which is both faster and enough for faces.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from facedex.errors import ImageError
from facedex.types import DecodedImage

_HEIF_READY = False


def _register_plugins() -> None:
    """HEIC/AVIF come from pillow-heif when its wheel is installed; they are optional."""
    global _HEIF_READY
    if _HEIF_READY:
        return
    _HEIF_READY = True
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        if hasattr(pillow_heif, "register_avif_opener"):
            pillow_heif.register_avif_opener()
    except Exception:  # pragma: no cover - optional plugin
        pass


def read_source(path: str | Path, max_bytes: int) -> bytes:
    """Read a file with a size limit, mapping OS errors to ImageError."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise ImageError(
                "too_large",
                f"file is {size} bytes, over the {max_bytes} byte limit "
                "(raise FACEDEX_MAX_BYTES to allow it)",
                str(p),
            )
        return p.read_bytes()
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError("not_found", "no such file", str(p)) from None
    except OSError as e:
        raise ImageError("unreadable", f"cannot read file: {e.strerror or e}", str(p)) from None


def _to_rgb(im: Image.Image) -> Image.Image:
    """Every mode we meet in the wild becomes 8-bit RGB; alpha is flattened on white."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(im, dtype=np.float64)
        hi = float(arr.max()) if arr.size else 0.0
        scale = 255.0 / (65535.0 if hi > 255 else max(hi, 1.0))
        return Image.fromarray(np.clip(arr * scale, 0, 255).astype(np.uint8), "L").convert("RGB")
    if mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) / max(hi - lo, 1e-9) * 255
        return Image.fromarray(arr.astype(np.uint8), "L").convert("RGB")
    if mode == "P":
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, im).convert("RGB")
    if mode == "CMYK":
        # Adobe JPEGs store inverted CMYK; Pillow handles the inversion on convert.
        return im.convert("RGB")
    return im.convert("RGB")


def decode_bytes(
    data: bytes,
    source: str = "",
    *,
    max_pixels: int = 80_000_000,
    work_side: int = 2048,
) -> DecodedImage:
    """Decode image bytes. Raises ImageError(code, message) for anything unusable."""
    _register_plugins()
    if not data:
        raise ImageError("empty", "file is empty", source)
    digest = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im: Image.Image = Image.open(io.BytesIO(data))
            fmt = (im.format or "UNKNOWN").upper()
            w, h = im.size
            if w * h > max_pixels:
                raise ImageError(
                    "too_many_pixels",
                    f"{w}x{h} is {w * h:,} pixels, over the {max_pixels:,} limit "
                    "(a decompression bomb guard; raise FACEDEX_MAX_PIXELS if the image is real)",
                    source,
                )
            if getattr(im, "n_frames", 1) > 1:
                im.seek(0)  # animated GIF/WebP/TIFF: the first frame
            orientation = im.getexif().get(0x0112, 1)
            ow, oh = (h, w) if orientation in (5, 6, 7, 8) else (w, h)
            if fmt == "JPEG" and max(w, h) > 2 * work_side:
                im.draft("RGB", (work_side, work_side))  # DCT-domain downscale: big speed-up
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            im.load()
            im = ImageOps.exif_transpose(im) or im
            im = _to_rgb(im)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(
            "not_an_image", "the bytes are not an image format facedex can read", source
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageError(
            "too_many_pixels",
            f"{str(e).split(',')[0]}: refused as a decompression bomb guard "
            "(raise FACEDEX_MAX_PIXELS if the image is real)",
            source,
        ) from None
    except OSError as e:
        msg = str(e)
        code = "truncated" if "truncated" in msg or "broken data" in msg else "corrupt"
        raise ImageError(
            code, f"image data is damaged ({msg}); re-export or re-download it", source
        ) from None
    except (ValueError, SyntaxError, EOFError) as e:
        raise ImageError("corrupt", f"image data is damaged ({e})", source) from None

    scale = im.size[0] / ow  # < 1 when a large JPEG was decoded reduced
    if max(im.size) > work_side * 2:
        # still very large (PNG, TIFF...): resample down once for the detector
        f = (work_side * 2) / max(im.size)
        im = im.resize(
            (max(1, round(im.size[0] * f)), max(1, round(im.size[1] * f))),
            Image.Resampling.BILINEAR,
        )
        scale *= f
    px = np.asarray(im, dtype=np.uint8)
    if px.ndim != 3 or px.shape[2] != 3 or px.shape[0] < 8 or px.shape[1] < 8:
        raise ImageError("too_small", f"image is only {px.shape[1]}x{px.shape[0]} pixels", source)
    return DecodedImage(
        pixels=np.ascontiguousarray(px),
        format=fmt,
        width=ow,
        height=oh,
        scale=scale,
        sha256=digest,
        nbytes=len(data),
    )


def decode_file(
    path: str | Path,
    *,
    max_bytes: int = 50 * 1024 * 1024,
    max_pixels: int = 80_000_000,
    work_side: int = 2048,
) -> DecodedImage:
    """Decode a file from disk (the name's extension is ignored)."""
    data = read_source(path, max_bytes)
    return decode_bytes(data, str(path), max_pixels=max_pixels, work_side=work_side)
