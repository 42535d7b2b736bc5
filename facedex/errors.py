"""Errors that say which input, what is wrong and what to do."""

from __future__ import annotations


class FacedexError(Exception):
    """Base class: every error facedex raises on purpose."""


class ImageError(FacedexError):
    """An input image could not be used. ``code`` is stable and stored in the catalog."""

    def __init__(self, code: str, message: str, source: str = "") -> None:
        self.code = code
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class NoFaceError(FacedexError):
    """The query image has no usable face."""


class ModelError(FacedexError):
    """A model is missing, corrupt or does not match the library."""


class LibraryError(FacedexError):
    """The library on disk is unusable as it is (wrong model, wrong version)."""


class NotFoundError(FacedexError):
    """A face or image id that the catalog does not have."""
