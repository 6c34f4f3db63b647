"""Encoders (built by name from a registry) and the heads put on them."""
from .encoders import ENCODERS, Encoder, build_encoder, encoder_from_config
from .heads import Classifier, ClassifierHead, ProjectionHead, xavier_init

__all__ = ["ENCODERS", "Encoder", "build_encoder", "encoder_from_config", "Classifier", "ClassifierHead", "ProjectionHead", "xavier_init"]
