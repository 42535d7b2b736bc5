"""Index stage: approximate nearest-neighbour search over face vectors, kept in step with
the catalog (rebuildable from it at any time)."""

from facedex.index.base import VectorIndex, open_index
from facedex.index.synced import SyncedIndex

__all__ = ["SyncedIndex", "VectorIndex", "open_index"]
