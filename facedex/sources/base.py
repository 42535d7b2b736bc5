"""The source interface: an iterable of Items with a label for the run log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from facedex.pipeline import Item


class Source(Protocol):
    label: str

    def __iter__(self) -> Iterator[Item]: ...
