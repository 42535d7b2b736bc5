"""Build a larger photo folder from the dev sets: each photo resized to typical sizes
(640-1080 px long side) and re-encoded, so every file is different.

    python -m bench.make_photos ../shared/faces /tmp/photos-600 --n 600
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageOps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--n", type=int, default=600)
    a = ap.parse_args()
    srcs = sorted(p for p in a.src.rglob("*") if p.suffix.lower() in (".jpg", ".png"))
    a.dst.mkdir(parents=True, exist_ok=True)
    sides = [640, 720, 800, 960, 1080]
    for i in range(a.n):
        im = ImageOps.exif_transpose(Image.open(srcs[i % len(srcs)])).convert("RGB")
        side = sides[i % len(sides)]
        im.thumbnail((side, side))
        if (i // len(srcs)) % 2:
            im = ImageOps.mirror(im)
        im.save(a.dst / f"photo{i:05d}.jpg", "JPEG", quality=80 + i % 15)
    print(f"{a.n} photos in {a.dst}")


if __name__ == "__main__":
    main()
