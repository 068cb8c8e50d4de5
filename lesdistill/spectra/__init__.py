"""Infrared spectra from the dipole current J(t) = Σ_i Z*_i v_i: spectra, band peaks, reference data."""

from .ir import (
    cross_spectrum,
    harmonic_quantum_correction,
    ir_spectrum,
    normalization_scale,
    nqe_red_shift,
)
from .peaks import HCL_BANDS, WATER_BANDS, Peak, find_peaks, peak_statistics_over_blocks
from .reference import (
    Reference,
    load_reference,
    load_spectrum_csv,
    overlap_distance,
    peak_shifts,
    reference_bands,
    spectral_distance,
)

__all__ = [
    "HCL_BANDS", "WATER_BANDS", "Peak", "Reference", "cross_spectrum", "find_peaks", "harmonic_quantum_correction",
    "ir_spectrum", "load_reference", "load_spectrum_csv", "normalization_scale", "overlap_distance", "nqe_red_shift", "peak_shifts", "peak_statistics_over_blocks",
    "reference_bands", "spectral_distance",
]
