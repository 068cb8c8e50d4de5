"""Student backbones: the strictly local Cartesian cluster-expansion backbone."""

from .cace import CACEBackbone

__all__ = ["CACEBackbone"]
