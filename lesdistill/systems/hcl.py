"""Concentrated aqueous HCl: rigid H3O⁺, Cl⁻ and H2O packed in a periodic cubic box."""

from __future__ import annotations

import math

import numpy as np
from ase import Atoms
from ase.units import _Nav
from pydantic import Field

from .packing import formal_charges, pack_molecules, shuffled_sites
from .parameters import BuilderParameters
from .water import WATER_MOLAR_MASS, water_geometry

#: H3O⁺ geometry: pyramidal (C3v), O–H 0.98 Å, H–O–H 112°.
HYDRONIUM_OH = 0.98
HYDRONIUM_HOH = math.radians(112.0)
#: Molar masses in g/mol.
HYDRONIUM_MOLAR_MASS = 3 * 1.00794 + 15.9994
CHLORIDE_MOLAR_MASS = 35.453


def hydronium_geometry() -> np.ndarray:
    """H3O⁺: O, H, H, H positions (4, 3) in Å relative to O, C3 axis along z."""
    # H–O–H angle α and tilt θ of O–H from the axis: cos α = 1 − 1.5 sin²θ.
    tilt = math.asin(math.sqrt((1.0 - math.cos(HYDRONIUM_HOH)) / 1.5))
    phis = np.radians([0.0, 120.0, 240.0])
    hydrogens = HYDRONIUM_OH * np.stack(
        [math.sin(tilt) * np.cos(phis), math.sin(tilt) * np.sin(phis), np.full(3, math.cos(tilt))], axis=1
    )
    return np.vstack([np.zeros(3), hydrogens])


def hcl_concentration(n_hydronium: int, n_chloride: int, n_water: int, length: float) -> tuple[float, float]:
    """(molarity of HCl in mol/L, density in g/cm³) of a cubic box of side ``length`` Å.

    The paper's 4 H3O⁺ + 4 Cl⁻ + 92 H2O in 14.43 Å give ≈ 2.2 mol/L and ≈ 1.04 g/cm³.
    """
    volume_cm3 = length**3 * 1e-24
    molarity = n_chloride / (_Nav * volume_cm3 * 1e-3)
    mass_g = (n_hydronium * HYDRONIUM_MOLAR_MASS + n_chloride * CHLORIDE_MOLAR_MASS
              + n_water * WATER_MOLAR_MASS) / _Nav
    return molarity, mass_g / volume_cm3


def hcl_box(
    n_hydronium: int,
    n_chloride: int,
    n_water: int,
    length: float,
    seed: int = 0,
    min_distance: float = 1.7,
    max_tries: int = 200,
) -> Atoms:
    """Periodic cubic box (side ``length`` Å) of H3O⁺, Cl⁻ and H2O; intermolecular contacts ≥ ``min_distance`` Å.

    Atoms are grouped per molecule: all H3O⁺ (O, H, H, H), then all Cl⁻, then all H2O (O, H, H).
    Molecules occupy random sites of a near-cubic lattice with random orientations and a small
    jitter. ``info["charge"] = 0`` and ``info["spin"] = 1`` (for OMol-task teachers);
    ``arrays["formal_charges"]`` holds oxidation states (O −2, H +1, Cl −1), which sum to +1 per
    H3O⁺, 0 per H2O and −1 per Cl⁻. Raises ValueError for bad counts or a box too small to pack.
    """
    for name, count in (("n_hydronium", n_hydronium), ("n_chloride", n_chloride), ("n_water", n_water)):
        if count < 0:
            raise ValueError(f"{name} must be non-negative, got {count}")
    if n_hydronium != n_chloride:
        raise ValueError(f"n_hydronium ({n_hydronium}) and n_chloride ({n_chloride}) must be equal (neutral box)")
    n_molecules = n_hydronium + n_chloride + n_water
    if n_molecules < 1:
        raise ValueError("n_hydronium + n_chloride + n_water must be at least 1")
    if not length > 0:
        raise ValueError(f"length must be positive (Å), got {length}")
    rng = np.random.default_rng(seed)
    sites, spacing = shuffled_sites([length] * 3, n_molecules, rng)
    templates = ([hydronium_geometry()] * n_hydronium + [np.zeros((1, 3))] * n_chloride
                 + [water_geometry()] * n_water)
    molarity, density = hcl_concentration(n_hydronium, n_chloride, n_water, length)
    failure = (
        f"could not place {n_molecules} molecules ({molarity:.2f} mol/L HCl, {density:.3f} g/cm³) in a "
        f"{length} Å box with intermolecular distances ≥ {min_distance} Å; increase length or lower min_distance"
    )
    positions = pack_molecules(templates, sites, spacing, [length] * 3, rng,
                               min_distance=min_distance, max_tries=max_tries, failure=failure)
    symbols = "OH3" * n_hydronium + "Cl" * n_chloride + "OH2" * n_water
    atoms = Atoms(symbols, positions=positions, cell=np.eye(3) * length, pbc=True)
    atoms.wrap()
    atoms.info["charge"] = 0
    atoms.info["spin"] = 1
    atoms.arrays["formal_charges"] = formal_charges(atoms.get_chemical_symbols())
    assert len(atoms) == 4 * n_hydronium + n_chloride + 3 * n_water
    assert atoms.arrays["formal_charges"].sum() == 0
    return atoms


class HClParameters(BuilderParameters):
    """Concentrated aqueous HCl (paper: 4 H3O⁺ + 4 Cl⁻ + 92 H2O, cubic 14.43 Å, 296 atoms)."""

    ion_pairs: int = Field(4, gt=0, description="H3O⁺/Cl⁻ pairs")
    waters: int = Field(92, ge=0, description="H2O molecules besides the ions")
    length: float = Field(14.43, gt=0, description="cubic box side (Å)")

    def build(self) -> Atoms:
        return hcl_box(self.ion_pairs, self.ion_pairs, self.waters, self.length, seed=self.seed)

    def expected_atoms(self) -> int:
        return 5 * self.ion_pairs + 3 * self.waters
