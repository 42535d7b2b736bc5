"""Detect and align stage: find every face, its landmarks, an aligned chip and a quality score."""

from facedex.faces.analyzer import FaceAnalyzer
from facedex.faces.base import Detector, nms

__all__ = ["Detector", "FaceAnalyzer", "nms"]
