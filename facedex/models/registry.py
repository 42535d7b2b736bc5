"""Models by name, built lazily: nothing loads weights until a pipeline asks for them.

Names: detectors ``blazeface`` (default), ``hog``, ``onnx:<name>`` (an SCRFD/RetinaFace-style
model pulled with ``facedex models pull``); embedders ``dlib-resnet`` (default) and
``onnx:<name>`` (an ArcFace-style 112x112 recogniser).

Threshold calibration: the default embedder's same-person threshold was chosen on the
development pairs (../shared/faces/deepface master.csv and face-recognition-pivot.csv) as
the cosine similarity that maximises accuracy there, then checked against dlib's published
operating point (Euclidean 0.6 on its raw vectors). ONNX embedders carry their threshold in
their manifest (default 0.35, ArcFace's usual operating point on cosine similarity).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from facedex.config import Settings
from facedex.embed.base import Embedder
from facedex.faces.analyzer import FaceAnalyzer
from facedex.faces.base import Detector

if TYPE_CHECKING:
    from facedex.models.store import ModelSpec


def build_detector(settings: Settings) -> Detector:
    name = settings.detector
    if name == "blazeface":
        from facedex.faces.blazeface import BlazeFaceDetector

        return BlazeFaceDetector(threshold=settings.detect_threshold, min_face=8)
    if name == "hog":
        from facedex.faces.hog import HogDetector

        return HogDetector()
    from facedex.faces.onnx_detector import OnnxFaceDetector
    from facedex.models.store import ModelStore

    spec = ModelStore(settings.model_dir).get(name.removeprefix("onnx:"), kind="detector")
    return OnnxFaceDetector(
        spec.path, name=name, threshold=settings.detect_threshold, input_size=spec.input_size
    )


def build_embedder(settings: Settings) -> Embedder:
    name = settings.embedder
    if name == "dlib-resnet":
        from facedex.embed.dlib_resnet import DlibResNetEmbedder

        return DlibResNetEmbedder(detector_name=settings.detector)
    from facedex.embed.onnx_arcface import OnnxArcFaceEmbedder
    from facedex.models.store import ModelStore

    spec = ModelStore(settings.model_dir).get(name.removeprefix("onnx:"), kind="embedder")
    return OnnxArcFaceEmbedder(
        spec.path, name=spec.model_id, threshold=spec.threshold, dim=spec.dim
    )


def build_analyzer(settings: Settings) -> FaceAnalyzer:
    return FaceAnalyzer(
        build_detector(settings),
        build_embedder(settings),
        min_face=settings.min_face,
        min_quality=settings.min_quality,
        max_faces=settings.max_faces,
    )


def _onnx_embedder_spec(settings: Settings) -> ModelSpec:
    from facedex.models.store import ModelStore

    return ModelStore(settings.model_dir).get(
        settings.embedder.removeprefix("onnx:"), kind="embedder"
    )


def embedder_name(settings: Settings) -> str:
    """The name recorded with vectors, without loading the model.

    ONNX embedders are recorded as ``onnx:<name>@<first 12 hex of sha256>`` (read from the
    manifest), so a different file pulled later under the same name never shares an index
    with the old one's vectors.
    """
    if settings.embedder == "dlib-resnet":
        return "dlib-resnet-v1"
    return _onnx_embedder_spec(settings).model_id


def embedder_threshold(settings: Settings) -> float:
    """The calibrated same-person threshold, without loading the model."""
    if settings.embedder == "dlib-resnet":
        from facedex.embed.dlib_resnet import DlibResNetEmbedder

        return DlibResNetEmbedder.threshold
    return float(_onnx_embedder_spec(settings).threshold)


def embedder_dim(settings: Settings) -> int | None:
    """The vector size, from the manifest for ONNX models (no model is loaded)."""
    if settings.embedder == "dlib-resnet":
        return 128
    return _onnx_embedder_spec(settings).dim
