"""Deterministic Maxwell–Boltzmann initial velocities."""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.md.velocitydistribution import Stationary, thermalize_momenta


def maxwell_boltzmann(atoms: Atoms, temperature_K: float, rng: np.random.Generator) -> None:
    """Set ``atoms`` momenta from a Maxwell–Boltzmann distribution at ``temperature_K`` (K), drawn
    from ``rng``, then remove the centre-of-mass momentum keeping the kinetic temperature."""
    thermalize_momenta(atoms, temperature_K, rng=rng)
    Stationary(atoms, preserve_temperature=True)
