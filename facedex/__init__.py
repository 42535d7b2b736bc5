"""facedex: self-hosted face indexing and face-similarity search.

Nothing heavy is imported here: models load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from facedex.engine import Engine


def open(root: str = "facedex-library", **overrides: Any) -> Engine:
    """Open or create a face library folder (see facedex.engine.Engine)."""
    from facedex.engine import open as _open

    return _open(root, **overrides)


__all__ = ["__version__", "open"]
