"""LES electrostatics: energies (k-space, PME, open), polarization, Born effective charges.

Conventions (ASE units): positions and cells in Å with lattice vectors as rows, charges in e,
energies in eV. See ``DESIGN.md`` for the formulas; each module documents its own.
"""

from .constants import HALF_INV_EPS0, HALF_INV_EPS0_LEGACY, coulomb_constant, half_inv_eps0
from .energy import ewald_energy
from .kspace import les_kvectors
from .point_charge import point_charge_energy
from .polarization import born_effective_charges, current_contributions, polarization

__all__ = [
    "HALF_INV_EPS0",
    "HALF_INV_EPS0_LEGACY",
    "born_effective_charges",
    "current_contributions",
    "coulomb_constant",
    "ewald_energy",
    "half_inv_eps0",
    "les_kvectors",
    "point_charge_energy",
    "polarization",
]
