"""Guards that stop a run which has gone unphysical: hot, non-finite, or atoms on top of each other."""

from __future__ import annotations

import numpy as np
import vesin
from ase import Atoms


class MDGuardError(ValueError):
    """An MD run stopped by a guard; ``quantity``, ``step`` and ``value`` name what tripped it."""

    def __init__(self, message: str, *, quantity: str, step: int, value: float):
        super().__init__(message)
        self.quantity = quantity
        self.step = step
        self.value = value


def check_energy_forces(energy: float, forces: np.ndarray, step: int) -> None:
    """Raise MDGuardError when the energy (eV) or any force (N, 3) eV/Å is NaN or infinite."""
    if not np.isfinite(energy):
        raise MDGuardError(f"non-finite potential energy {energy} at step {step}", quantity="energy", step=step,
                           value=float(energy))
    finite = np.isfinite(forces).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise MDGuardError(f"non-finite forces on {bad.size} atom(s), first {bad[:5].tolist()}, at step {step}",
                           quantity="forces", step=step, value=float("nan"))


def check_temperature(temperature_K: float, limit_K: float, step: int) -> None:
    """Raise MDGuardError when the instantaneous temperature (K) exceeds ``limit_K`` or is not finite."""
    if not temperature_K <= limit_K:
        raise MDGuardError(f"temperature {temperature_K:.1f} K exceeds max_temperature_K={limit_K:g} at step {step}",
                           quantity="temperature", step=step, value=float(temperature_K))


LIST_CUTOFF_A = 3.0  # vesin's cell list gets slow for cutoffs much shorter than this (many tiny cells)


class DistanceGuard:
    """Closest-approach check with a vesin neighbour list (cutoff max(min_distance_A, 3 Å)), O(N)."""

    def __init__(self, min_distance_A: float):
        self.min_distance_A = min_distance_A
        self._neighbours = (vesin.NeighborList(cutoff=max(min_distance_A, LIST_CUTOFF_A), full_list=False)
                            if min_distance_A > 0 else None)

    def check(self, atoms: Atoms, step: int) -> None:
        """Raise MDGuardError naming the closest pair when two atoms are nearer than the limit."""
        if self._neighbours is None:
            return
        i, j, d = self._neighbours.compute(atoms.positions, atoms.cell.array, atoms.pbc.tolist(), quantities="ijd")
        close = d < self.min_distance_A
        if close.any():
            k = np.flatnonzero(close)[np.argmin(d[close])]
            raise MDGuardError(
                f"atoms {int(i[k])} and {int(j[k])} are {d[k]:.3f} Å apart, closer than "
                f"min_distance_A={self.min_distance_A:g}, at step {step}",
                quantity="distance", step=step, value=float(d[k]),
            )
