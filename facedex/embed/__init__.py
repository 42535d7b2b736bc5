"""Embed stage: an aligned face chip -> an L2-normalised vector, behind one interface."""

from facedex.embed.base import Embedder, l2_normalise

__all__ = ["Embedder", "l2_normalise"]
