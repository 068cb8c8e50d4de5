"""Builders of the benchmark systems (ASE ``Atoms``, Å), deterministic from a seed."""

from .water import water_box

__all__ = ["water_box"]
