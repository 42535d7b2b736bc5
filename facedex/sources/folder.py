"""A folder (recursively) or explicit file paths.

Files are picked by extension to skip obvious non-images (text, video) quickly, but the
type used to decode is always sniffed from the bytes, so a WebP named .jpg works.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from facedex.pipeline import Item

IMAGE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".jpe",
    ".jfif",
    ".png",
    ".webp",
    ".gif",
    ".bmp",
    ".dib",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".avif",
    ".ppm",
    ".pgm",
    ".pbm",
    ".pnm",
    ".tga",
    ".ico",
    "",
}


class FolderSource:
    def __init__(self, paths: Iterable[str | Path], follow_links: bool = False) -> None:
        self.paths = [Path(p).expanduser() for p in paths]
        self.follow_links = follow_links
        self.label = ",".join(str(p) for p in self.paths)

    def files(self) -> Iterator[Path]:
        for root in self.paths:
            if root.is_file():
                yield root.resolve()
                continue
            if not root.is_dir():
                raise FileNotFoundError(f"{root}: no such file or folder")
            for dirpath, dirnames, filenames in os.walk(root, followlinks=self.follow_links):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    p = Path(dirpath) / name
                    if p.suffix.lower() in IMAGE_SUFFIXES:
                        yield p.resolve()

    def __iter__(self) -> Iterator[Item]:
        for p in self.files():
            try:
                st = p.stat()
            except OSError:
                yield Item(source=str(p), path=str(p))
                continue
            yield Item(source=str(p), path=str(p), mtime=st.st_mtime, size=st.st_size)
