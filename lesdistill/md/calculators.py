"""The hook that maps a calculator name to an ASE calculator (the teacher registry will replace it).

Only analytic potentials that need no files live here: ``lj`` (argon Lennard-Jones, smooth cutoff at
3σ) and ``emt`` (ASE's effective-medium theory for Al, Cu, Ag, Au, Ni, Pd, Pt, H, C, N, O).
"""

from __future__ import annotations

from collections.abc import Callable

from ase.calculators.calculator import Calculator
from ase.calculators.emt import EMT
from ase.calculators.lj import LennardJones

ARGON_SIGMA_A = 3.405
ARGON_EPSILON_EV = 0.010323  # 119.8 K


def argon_lennard_jones() -> Calculator:
    """Argon Lennard-Jones (σ = 3.405 Å, ε = 0.010323 eV), smooth cutoff from 2σ to 3σ."""
    return LennardJones(sigma=ARGON_SIGMA_A, epsilon=ARGON_EPSILON_EV, rc=3 * ARGON_SIGMA_A,
                        ro=2 * ARGON_SIGMA_A, smooth=True)


CALCULATORS: dict[str, Callable[[], Calculator]] = {"lj": argon_lennard_jones, "emt": EMT}


def calculator_from_name(name: str) -> Calculator:
    """A new ASE calculator for ``name`` (one of CALCULATORS); ValueError listing the known names."""
    try:
        factory = CALCULATORS[name]
    except KeyError:
        raise ValueError(f"unknown calculator {name!r}; known: {', '.join(sorted(CALCULATORS))}") from None
    return factory()
