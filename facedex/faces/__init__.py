"""Detect and align stage: find every face, its landmarks, an aligned chip and a quality score."""

from facedex.faces.base import Detector, nms
from facedex.faces.analyzer import FaceAnalyzer

__all__ = ["Detector", "FaceAnalyzer", "nms"]
