"""Liquid-water boxes: N rigid gas-phase H2O molecules on a jittered cubic lattice at a target density."""

from __future__ import annotations

import math

import numpy as np
from ase import Atoms
from ase.units import _Nav
from pydantic import Field

from .packing import pack_molecules, shuffled_sites
from .parameters import BuilderParameters

#: Density of liquid water at 298 K (g/cm³).
WATER_DENSITY = 0.997
#: Molar mass of H2O in g/mol (H 1.00794, O 15.9994).
WATER_MOLAR_MASS = 2 * 1.00794 + 15.9994
#: Gas-phase geometry: O–H 0.9572 Å, H–O–H 104.52°.
OH_BOND = 0.9572
HOH_ANGLE = math.radians(104.52)


def water_box_length(n_molecules: int, density: float) -> float:
    """Cubic box side (Å) holding ``n_molecules`` at ``density`` g/cm³ (64 at 0.997 → 12.43 Å)."""
    volume_cm3 = n_molecules * WATER_MOLAR_MASS / (density * _Nav)
    return (volume_cm3 * 1e24) ** (1.0 / 3.0)


def water_molecules(volume: float, density: float) -> int:
    """Number of H2O molecules (rounded) filling ``volume`` Å³ at ``density`` g/cm³."""
    return round(density * volume * 1e-24 * _Nav / WATER_MOLAR_MASS)


def water_geometry() -> np.ndarray:
    """Gas-phase H2O: O, H, H positions (3, 3) in Å relative to O, H–O–H bisector along z."""
    half = HOH_ANGLE / 2
    return np.array([[0.0, 0.0, 0.0],
                     [OH_BOND * math.sin(half), 0.0, OH_BOND * math.cos(half)],
                     [-OH_BOND * math.sin(half), 0.0, OH_BOND * math.cos(half)]])


def water_box(
    n_molecules: int,
    density: float = WATER_DENSITY,
    seed: int = 0,
    min_distance: float = 1.7,
    max_tries: int = 200,
) -> Atoms:
    """Periodic cubic box of ``n_molecules`` H2O at ``density`` g/cm³, atoms ordered O, H, H per molecule.

    Molecules sit on randomly ordered sites of a near-cubic lattice with 5 % spare sites, with
    random orientations and a small jitter; every intermolecular atom pair is at least
    ``min_distance`` Å apart. Raises ValueError when that cannot be met.
    """
    if n_molecules < 1:
        raise ValueError(f"n_molecules must be at least 1, got {n_molecules}")
    if not density > 0:
        raise ValueError(f"density must be positive (g/cm³), got {density}")
    rng = np.random.default_rng(seed)
    length = water_box_length(n_molecules, density)
    sites, spacing = shuffled_sites([length] * 3, n_molecules, rng)
    failure = (
        f"could not place {n_molecules} water molecules at {density} g/cm³ with intermolecular "
        f"distances ≥ {min_distance} Å; lower the density or min_distance"
    )
    placed = pack_molecules([water_geometry()] * n_molecules, sites, spacing, [length] * 3, rng,
                            min_distance=min_distance, max_tries=max_tries, failure=failure)
    cell = np.eye(3) * length
    atoms = Atoms("OH2" * n_molecules, positions=placed, cell=cell, pbc=True)
    atoms.wrap()
    assert len(atoms) == 3 * n_molecules
    return atoms


class WaterParameters(BuilderParameters):
    """Liquid water box (paper: 64 H2O, cubic 12.429 Å)."""

    molecules: int = Field(64, gt=0, description="H2O molecules")
    density: float = Field(WATER_DENSITY, gt=0, description="water density (g/cm³)")

    def build(self) -> Atoms:
        return water_box(self.molecules, self.density, seed=self.seed)

    def expected_atoms(self) -> int:
        return 3 * self.molecules
