"""Sources stage: where images come from. Each source yields pipeline Items."""

from facedex.sources.base import Source
from facedex.sources.folder import FolderSource

__all__ = ["FolderSource", "Source"]
