"""Builders of the benchmark systems (ASE ``Atoms``, Å), deterministic from a seed."""

from .anatase import anatase_101_slab, anatase_water_interface
from .hcl import hcl_box, hcl_concentration
from .water import water_box

__all__ = ["anatase_101_slab", "anatase_water_interface", "hcl_box", "hcl_concentration", "water_box"]
