"""Liquid-water boxes: N rigid gas-phase H2O molecules on a jittered cubic lattice at a target density."""

from __future__ import annotations

import math

import numpy as np
from ase import Atoms
from ase.geometry import get_distances
from ase.units import _Nav

#: Molar mass of H2O in g/mol (H 1.00794, O 15.9994).
WATER_MOLAR_MASS = 2 * 1.00794 + 15.9994
#: Gas-phase geometry: O–H 0.9572 Å, H–O–H 104.52°.
OH_BOND = 0.9572
HOH_ANGLE = math.radians(104.52)


def water_box_length(n_molecules: int, density: float) -> float:
    """Cubic box side (Å) holding ``n_molecules`` at ``density`` g/cm³ (64 at 0.997 → 12.43 Å)."""
    volume_cm3 = n_molecules * WATER_MOLAR_MASS / (density * _Nav)
    return (volume_cm3 * 1e24) ** (1.0 / 3.0)


def _molecule(rotation: np.ndarray) -> np.ndarray:
    """O, H, H positions (3, 3) relative to O after ``rotation``."""
    half = HOH_ANGLE / 2
    local = np.array([[0.0, 0.0, 0.0],
                      [OH_BOND * math.sin(half), 0.0, OH_BOND * math.cos(half)],
                      [-OH_BOND * math.sin(half), 0.0, OH_BOND * math.cos(half)]])
    return local @ rotation.T


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def water_box(
    n_molecules: int = 64,
    density: float = 0.997,
    seed: int = 0,
    min_distance: float = 1.7,
    max_tries: int = 200,
) -> Atoms:
    """Periodic cubic box of ``n_molecules`` H2O at ``density`` g/cm³, atoms ordered O, H, H per molecule.

    Molecules sit on randomly chosen sites of the smallest cubic lattice with enough sites, with
    random orientations and a small jitter; every intermolecular atom pair is at least
    ``min_distance`` Å apart. Raises ValueError when that cannot be met.
    """
    if n_molecules < 1:
        raise ValueError(f"n_molecules must be at least 1, got {n_molecules}")
    if not density > 0:
        raise ValueError(f"density must be positive (g/cm³), got {density}")
    rng = np.random.default_rng(seed)
    length = water_box_length(n_molecules, density)
    per_axis = math.ceil(n_molecules ** (1.0 / 3.0) - 1e-9)
    spacing = length / per_axis
    sites = np.stack(np.meshgrid(*[np.arange(per_axis)] * 3, indexing="ij"), -1).reshape(-1, 3)
    sites = sites[rng.permutation(len(sites))[:n_molecules]] * spacing
    cell = np.eye(3) * length
    placed = np.zeros((0, 3))
    for site in sites:
        for _ in range(max_tries):
            centre = site + rng.uniform(-0.1, 0.1, size=3) * spacing
            molecule = centre + _molecule(_random_rotation(rng))
            if len(placed) == 0:
                break
            _, distances = get_distances(molecule, placed, cell=cell, pbc=True)
            if distances.min() >= min_distance:
                break
        else:
            raise ValueError(
                f"could not place {n_molecules} water molecules at {density} g/cm³ with intermolecular "
                f"distances ≥ {min_distance} Å; lower the density or min_distance"
            )
        placed = np.vstack([placed, molecule])
    atoms = Atoms("OH2" * n_molecules, positions=placed, cell=cell, pbc=True)
    atoms.wrap()
    assert len(atoms) == 3 * n_molecules
    return atoms
