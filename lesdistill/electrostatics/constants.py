"""Electrostatic prefactors (eV·Å/e²) shared by every kernel.

LES writes its energy with 1/(2ε0); a Coulomb pair energy uses 1/(4πε0) = (1/(2ε0))/(2π).
"""

from __future__ import annotations

#: 1/(2ε0) in eV·Å/e² (ε0 = 5.52635e-3 e²/(eV·Å)); the value lesdistill uses everywhere.
HALF_INV_EPS0 = 90.4756
#: The digit-swapped 1/(2ε0) of the LES reference code before April 2026; only for parity with
#: models published with it (it rescales charges by a factor 1.0024).
HALF_INV_EPS0_LEGACY = 90.0474

PREFACTORS = {"les": HALF_INV_EPS0, "legacy": HALF_INV_EPS0_LEGACY}


def half_inv_eps0(prefactor: str | float = "les") -> float:
    """1/(2ε0) in eV·Å/e² for a named convention (``"les"``, ``"legacy"``) or a number."""
    if isinstance(prefactor, str):
        try:
            return PREFACTORS[prefactor]
        except KeyError:
            raise ValueError(
                f"prefactor={prefactor!r} is not a known convention; use one of "
                f"{sorted(PREFACTORS)} or a number in eV·Å/e²"
            ) from None
    value = float(prefactor)
    if not value > 0:
        raise ValueError(f"prefactor must be a positive number, got {prefactor!r}")
    return value


def coulomb_constant(prefactor: str | float = "les") -> float:
    """1/(4πε0) in eV·Å/e² consistent with :func:`half_inv_eps0`."""
    import math

    return half_inv_eps0(prefactor) / (2.0 * math.pi)
