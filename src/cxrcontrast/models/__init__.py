"""Encoders (built by name from a registry), the heads put on them, and models restored from checkpoints."""

from .encoders import ENCODERS, build_encoder
from .heads import Classifier, ClassifierHead, Embedder, ProjectionHead

__all__ = ["ENCODERS", "build_encoder", "Classifier", "ClassifierHead", "Embedder", "ProjectionHead"]
