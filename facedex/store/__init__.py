"""Store stage: the catalog of images, faces, vectors, crops, runs and the opt-out blocklist."""

from facedex.store.base import Catalog, FaceRow, ImageRow
from facedex.store.sqlite import SqliteCatalog

__all__ = ["Catalog", "FaceRow", "ImageRow", "SqliteCatalog"]
