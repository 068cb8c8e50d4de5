"""Molecular dynamics with any ASE calculator: netCDF (AMBER convention) trajectories, exact restarts, guards."""

from .calculators import CALCULATORS, calculator_from_name
from .engine import partial_path, run_md
from .guards import MDGuardError
from .reader import read_trajectory, to_atoms, write_extxyz
from .settings import MDSettings, load_settings, validate_settings

__all__ = [
    "CALCULATORS", "MDGuardError", "MDSettings", "calculator_from_name", "load_settings", "partial_path",
    "read_trajectory", "run_md", "to_atoms", "validate_settings", "write_extxyz",
]
