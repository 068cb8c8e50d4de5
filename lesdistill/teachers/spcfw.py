r"""SPC/Fw flexible water (Wu, Tepper & Voth, J. Chem. Phys. 124, 024503 (2006)): a reference teacher.

E = Σ_bonds (k_b/2)(r − r0)² + Σ_angles (k_θ/2)(θ − θ0)² + Σ_{O–O} 4ε[(σ/r)¹² − (σ/r)⁶] (shifted to
zero at the cutoff) + Coulomb between point charges q_O = −0.82, q_H = +0.41 e on different
molecules, the latter by full Ewald summation through :func:`lesdistill.electrostatics.point_charge_energy`
(all pairs) minus the intramolecular pairs. Its electrostatics are known exactly, which makes it
the validation teacher for learned latent charges and BECs. Atoms must be ordered O, H, H per molecule.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from ase.calculators.calculator import Calculator, all_changes
from ase.units import kcal, mol

from ..autodiff import energy_forces_stress
from ..electrostatics import coulomb_constant, point_charge_energy
from ..electrostatics.point_charge import neighbor_pairs

KCAL_MOL = kcal / mol  # eV
BOND_K = 1059.162 * KCAL_MOL  # eV/Å²
BOND_R0 = 1.012  # Å
ANGLE_K = 75.90 * KCAL_MOL  # eV/rad²
ANGLE_THETA0 = math.radians(113.24)
LJ_SIGMA = 3.165492  # Å
LJ_EPSILON = 0.1554253 * KCAL_MOL  # eV
CHARGE_O, CHARGE_H = -0.82, 0.41  # e


def minimum_image(vectors: torch.Tensor, cell: torch.Tensor | None) -> torch.Tensor:
    """Shortest periodic images of difference vectors (…, 3) in a cell (3, 3), or unchanged if open."""
    if cell is None:
        return vectors
    fractional = vectors @ torch.linalg.inv(cell)
    return vectors - torch.round(fractional).detach() @ cell


def water_charges(n_molecules: int, dtype=torch.float64) -> torch.Tensor:
    """Point charges (3·n,) in e for atoms ordered O, H, H."""
    return torch.tensor([CHARGE_O, CHARGE_H, CHARGE_H], dtype=dtype).repeat(n_molecules)


def spcfw_energy(positions: torch.Tensor, cell: torch.Tensor | None, lj_cutoff: float = 9.0, ewald_accuracy: float = 1e-8) -> torch.Tensor:
    """SPC/Fw energy (eV) of water with positions (3·n, 3) Å ordered O, H, H and cell (3, 3) or None."""
    n_molecules = positions.shape[0] // 3
    oxygen, hydrogen1, hydrogen2 = positions[0::3], positions[1::3], positions[2::3]
    bond1 = minimum_image(hydrogen1 - oxygen, cell)
    bond2 = minimum_image(hydrogen2 - oxygen, cell)
    r1, r2 = bond1.norm(dim=-1), bond2.norm(dim=-1)
    cosine = (bond1 * bond2).sum(-1) / (r1 * r2)
    theta = torch.acos(cosine.clamp(-1 + 1e-12, 1 - 1e-12))
    intramolecular = 0.5 * BOND_K * ((r1 - BOND_R0) ** 2 + (r2 - BOND_R0) ** 2).sum()
    intramolecular = intramolecular + 0.5 * ANGLE_K * ((theta - ANGLE_THETA0) ** 2).sum()

    charges = water_charges(n_molecules, positions.dtype)
    coulomb = point_charge_energy(positions, cell, charges, accuracy=ewald_accuracy)
    hh = minimum_image(hydrogen2 - hydrogen1, cell).norm(dim=-1)
    excluded = CHARGE_O * CHARGE_H * (1 / r1 + 1 / r2) + CHARGE_H * CHARGE_H / hh
    coulomb = coulomb - coulomb_constant() * excluded.sum()

    return intramolecular + coulomb + _oxygen_lj(oxygen, cell, lj_cutoff)


def _oxygen_lj(oxygen: torch.Tensor, cell: torch.Tensor | None, cutoff: float) -> torch.Tensor:
    """Lennard-Jones energy (eV) between oxygens, truncated and shifted at ``cutoff`` Å."""
    if cell is None:
        upper = torch.triu_indices(len(oxygen), len(oxygen), 1)
        distances = (oxygen[upper[0]] - oxygen[upper[1]]).norm(dim=-1)
        distances = distances[distances < cutoff]
    else:
        _, distances = neighbor_pairs(oxygen, cell, cutoff)
    def lj(r):
        s6 = (LJ_SIGMA / r) ** 6
        return 4 * LJ_EPSILON * (s6 * s6 - s6)
    return (lj(distances) - lj(torch.tensor(cutoff, dtype=oxygen.dtype))).sum()


class SPCFwCalculator(Calculator):
    """ASE calculator for SPC/Fw water: energy, forces, stress (periodic), charges (fixed)."""

    implemented_properties = ["energy", "free_energy", "forces", "stress", "charges"]

    def __init__(self, lj_cutoff: float = 9.0, ewald_accuracy: float = 1e-8, **kwargs):
        super().__init__(**kwargs)
        self.lj_cutoff = lj_cutoff
        self.ewald_accuracy = ewald_accuracy

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        symbols = self.atoms.get_chemical_symbols()
        if len(symbols) % 3 or symbols != ["O", "H", "H"] * (len(symbols) // 3):
            raise ValueError("SPC/Fw needs water only, atoms ordered O, H, H per molecule")
        periodic = bool(self.atoms.pbc.all())
        if self.atoms.pbc.any() and not periodic:
            raise ValueError(f"SPC/Fw supports full or no periodicity, got pbc={self.atoms.pbc.tolist()}")
        positions = torch.tensor(self.atoms.positions, dtype=torch.float64)
        cell = torch.tensor(self.atoms.cell.array, dtype=torch.float64)

        def energy_fn(p, c):
            return spcfw_energy(p, c if periodic else None, self.lj_cutoff, self.ewald_accuracy)

        energy, forces, stress = energy_forces_stress(energy_fn, positions, cell if periodic else torch.eye(3, dtype=torch.float64))
        self.results["energy"] = self.results["free_energy"] = float(energy.detach())
        self.results["forces"] = forces.numpy()
        self.results["charges"] = water_charges(len(symbols) // 3).numpy()
        if periodic:
            s = stress.numpy()
            self.results["stress"] = np.array([s[0, 0], s[1, 1], s[2, 2], s[1, 2], s[0, 2], s[0, 1]])
