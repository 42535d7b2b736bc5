"""Which detector and embedder a library uses, and where user-supplied ONNX models live."""

from facedex.models.registry import build_analyzer, build_detector, build_embedder

__all__ = ["build_analyzer", "build_detector", "build_embedder"]
