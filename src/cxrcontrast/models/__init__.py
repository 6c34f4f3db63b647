"""Encoders (built by name from a registry), the heads put on them, and models restored from checkpoints."""

from .encoders import ENCODERS, Encoder, build_architecture, build_encoder
from .heads import Classifier, ClassifierHead, Embedder, ProjectionHead
from .init import xavier_init

__all__ = [
    "ENCODERS",
    "Encoder",
    "build_architecture",
    "build_encoder",
    "Classifier",
    "ClassifierHead",
    "Embedder",
    "ProjectionHead",
    "xavier_init",
]
