"""Builders for awkward test images (bad input, odd modes), made on the fly in tmp dirs."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def png_bomb_bytes(w: int = 30_000, h: int = 30_000) -> bytes:
    """A valid-looking PNG whose header claims w x h pixels, with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def png_bomb(path: Path, w: int = 30_000, h: int = 30_000) -> Path:
    path.write_bytes(png_bomb_bytes(w, h))
    return path


def truncated_jpeg(src: Path, path: Path) -> Path:
    data = src.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def webp_named_jpg(src: Path, path: Path) -> Path:
    buf = io.BytesIO()
    Image.open(src).convert("RGB").save(buf, "WEBP", quality=90)
    path.write_bytes(buf.getvalue())
    return path


def cmyk_jpeg(src: Path, path: Path) -> Path:
    Image.open(src).convert("CMYK").save(path, "JPEG", quality=90)
    return path


def png16(src: Path, path: Path) -> Path:
    g = np.asarray(Image.open(src).convert("L"), dtype=np.uint16) * 257
    im = Image.fromarray(g)  # uint16 -> mode I;16
    assert im.mode.startswith("I;16")
    im.save(path, "PNG")
    return path


def rgba_png(src: Path, path: Path) -> Path:
    im = Image.open(src).convert("RGBA")
    a = np.asarray(im).copy()
    a[:20, :, 3] = 0
    Image.fromarray(a, "RGBA").save(path, "PNG")
    return path


def exif_rotated(src: Path, path: Path) -> Path:
    """Pixels stored rotated 90 degrees, with EXIF Orientation=6 saying how to show them."""
    im = Image.open(src).convert("RGB").rotate(90, expand=True)  # sideways on disk
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    im.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def no_face(path: Path) -> Path:
    rng = np.random.default_rng(0)
    x = np.linspace(0, 255, 640, dtype=np.float32)
    img = (np.add.outer(x[:480], x) / 2).astype(np.uint8)
    img = np.stack([img, 255 - img, (img // 2 + 60)], axis=2)
    img = np.clip(img + rng.integers(0, 10, img.shape), 0, 255).astype(np.uint8)
    Image.fromarray(img).save(path, "JPEG")
    return path


def grid_of_faces(
    srcs: list[Path], path: Path, n: int = 50, cols: int = 10, cell: int = 160
) -> Path:
    """n face photos tiled in a grid: a 'fifty faces' class photo."""
    rows = (n + cols - 1) // cols
    sheet = Image.new("RGB", (cols * cell, rows * cell), (235, 235, 235))
    for i in range(n):
        im = Image.open(srcs[i % len(srcs)]).convert("RGB")
        im.thumbnail((cell - 8, cell - 8))
        sheet.paste(im, ((i % cols) * cell + 4, (i // cols) * cell + 4))
    sheet.save(path, "JPEG", quality=92)
    return path
