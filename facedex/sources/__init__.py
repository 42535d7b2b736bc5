"""Sources stage: where images come from. Each source yields pipeline Items.

Folders (optionally watched), URL lists and paginated JSON feeds; the last two download
through ``facedex.sources.download`` and are imported lazily (they need aiohttp).
"""

from facedex.sources.base import Source
from facedex.sources.folder import FolderSource

__all__ = ["FolderSource", "Source"]
