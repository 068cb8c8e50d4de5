"""Infrared spectra from the dipole current J(t) = Σ_i Z*_i v_i."""

from .ir import harmonic_quantum_correction, ir_spectrum, nqe_red_shift

__all__ = ["harmonic_quantum_correction", "ir_spectrum", "nqe_red_shift"]
