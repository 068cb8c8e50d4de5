r"""Block-averaged power spectrum of the dipole current, in wavenumbers.

For each block of L frames (start every ``L·(1 − overlap)`` frames) the block mean is removed, a
window w is applied and the one-sided periodogram

.. math::
    I_\alpha(\tilde\nu_k) = \frac{2\,\Delta t}{L\,\overline{w^2}}\,
        \Big|\sum_n w_n J_\alpha(n\Delta t)\, e^{-2\pi i k n / M}\Big|^2 \frac{d f}{d\tilde\nu}

is formed (M = L·zero_pad FFT points, the factor 2 on all bins but 0 and Nyquist), averaged over
x, y, z and over blocks. With this normalisation Σ_k I(ν̃_k) Δν̃ equals the mean variance of the
three current components (Parseval), for any window. Wavenumbers: ν̃ [cm⁻¹] = f [fs⁻¹]·10¹⁵/c with
c = 2.99792458·10¹⁰ cm/s. Nothing else (shift, quantum correction, smoothing, normalisation) is
applied unless asked.

:func:`cross_spectrum` forms the same block average of Re[J_a(ν̃)·J_b(ν̃)*] for two currents (the
real part of the cross power spectral density), with the same normalisation: cross_spectrum(J, J)
is ir_spectrum(J) exactly, and for a partition J = Σ_g J_g of the current (e.g. hydronium cores and
the rest) ir_spectrum(J) = Σ_g cross_spectrum(J_g, J), which splits the spectrum into group
contributions. Both share one block-periodogram routine and one post-processing routine.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

SPEED_OF_LIGHT_CM_S = 2.99792458e10
#: Empirical nuclear-quantum red shift of the paper: (wavenumber, shift) anchors in cm⁻¹.
NQE_SHIFT_ANCHORS = ((0.0, 5.0), (1000.0, 5.0), (1640.0, 60.0), (2800.0, 100.0), (3450.0, 175.0), (4000.0, 175.0))
#: ħ/k_B in K·cm (ħω/k_BT = 1.4387769 ν̃[cm⁻¹] / T[K]).
SECOND_RADIATION_CONSTANT_CM_K = 1.4387769


def nqe_red_shift(wavenumber_cm1: np.ndarray) -> np.ndarray:
    """Shift (cm⁻¹) to subtract from classical frequencies: linear between the paper's anchors, constant outside."""
    anchors, shifts = np.array(NQE_SHIFT_ANCHORS).T
    return np.interp(wavenumber_cm1, anchors, shifts)


def harmonic_quantum_correction(wavenumber_cm1: np.ndarray, temperature_K: float) -> np.ndarray:
    """βħω / (1 − exp(−βħω)), which tends to 1 as ω → 0."""
    x = SECOND_RADIATION_CONSTANT_CM_K * np.asarray(wavenumber_cm1, dtype=float) / temperature_K
    small = np.abs(x) < 1e-8
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0 + x / 2, safe / -np.expm1(-safe))


def _windows(kind: str, length: int) -> np.ndarray:
    if kind == "none":
        return np.ones(length)
    if kind == "hann":
        return np.hanning(length)
    raise ValueError(f"window must be 'none' or 'hann', got {kind!r}")


def ir_spectrum(
    current: np.ndarray,
    dt_fs: float,
    *,
    block_length: int | None = None,
    overlap: float = 0.0,
    window: str = "none",
    zero_pad: int = 1,
    max_wavenumber: float | None = 4000.0,
    smoothing_points: float | None = None,
    normalize: str | tuple[float, float] | None = None,
    nqe_shift: bool = False,
    quantum_correction_K: float | None = None,
    return_error: bool = False,
    return_blocks: bool = False,
):
    """IR spectrum of a dipole current ``current`` (T, 3) sampled every ``dt_fs`` fs.

    Returns (wavenumber_cm1, intensity), plus the standard error over blocks when ``return_error``
    and the per-block spectra when ``return_blocks`` (in that order).
    Options: ``block_length`` frames (default all), ``overlap`` fraction in [0, 1), ``window`` 'none'
    or 'hann', ``zero_pad`` factor, ``max_wavenumber`` cut (cm⁻¹), Gaussian ``smoothing_points``
    (σ in bins), ``normalize`` 'max' or a (low, high) band whose maximum becomes 1, ``nqe_shift``
    (the paper's empirical red shift of the frequency axis), ``quantum_correction_K`` (harmonic
    factor on intensities at that temperature). ``return_blocks`` gives the per-block spectra
    (n_blocks, n_wavenumber) after the same correction, shift, smoothing, cut and normalisation
    scale as the mean, for per-block statistics such as peak-position uncertainties.
    """
    current = _checked_current(current, "current")
    wavenumber, blocks = _block_periodograms(current, current, dt_fs, block_length, overlap, window, zero_pad)
    return _finish(wavenumber, blocks, max_wavenumber, smoothing_points, normalize, nqe_shift, quantum_correction_K,
                   return_error, return_blocks)


def cross_spectrum(
    current_a: np.ndarray,
    current_b: np.ndarray,
    dt_fs: float,
    *,
    block_length: int | None = None,
    overlap: float = 0.0,
    window: str = "none",
    zero_pad: int = 1,
    max_wavenumber: float | None = 4000.0,
    smoothing_points: float | None = None,
    normalize: str | tuple[float, float] | None = None,
    nqe_shift: bool = False,
    quantum_correction_K: float | None = None,
    return_error: bool = False,
    return_blocks: bool = False,
):
    """Real cross spectrum ⟨Re J_a(ν̃)·J_b(ν̃)*⟩ of two currents (T, 3), normalised as :func:`ir_spectrum`.

    Symmetric in a and b, may be negative (anti-correlated motion); cross_spectrum(J, J) equals
    ir_spectrum(J) exactly. Options and return values as :func:`ir_spectrum`; ``normalize`` divides
    by the maximum of this cross spectrum (to scale group spectra like the total, divide them by
    :func:`normalization_scale` of the total instead).
    """
    current_a = _checked_current(current_a, "current_a")
    current_b = _checked_current(current_b, "current_b")
    if current_a.shape != current_b.shape:
        raise ValueError(f"current_a and current_b must have the same shape, got {current_a.shape} and {current_b.shape}")
    wavenumber, blocks = _block_periodograms(current_a, current_b, dt_fs, block_length, overlap, window, zero_pad)
    return _finish(wavenumber, blocks, max_wavenumber, smoothing_points, normalize, nqe_shift, quantum_correction_K,
                   return_error, return_blocks)


def normalization_scale(wavenumber: np.ndarray, intensity: np.ndarray, normalize: str | tuple[float, float]) -> float:
    """The divisor of ``normalize``: the maximum of ``intensity`` overall ('max') or within a (low, high) band."""
    if normalize == "max":
        band = np.ones_like(wavenumber, dtype=bool)
    else:
        low, high = normalize
        band = (wavenumber >= low) & (wavenumber <= high)
        if not band.any():
            raise ValueError(f"normalize band {normalize} contains no wavenumber of the spectrum")
    return float(intensity[band].max())


def _checked_current(current: np.ndarray, name: str) -> np.ndarray:
    current = np.asarray(current, dtype=float)
    if current.ndim != 2 or current.shape[1] != 3:
        raise ValueError(f"{name} must have shape (T, 3), got {current.shape}")
    if not np.isfinite(current).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return current


def _block_periodograms(current_a: np.ndarray, current_b: np.ndarray, dt_fs: float, block_length: int | None,
                        overlap: float, window: str, zero_pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Wavenumbers (cm⁻¹) and per-block one-sided Re[A·B*] densities (n_blocks, n_bins), averaged over x, y, z."""
    if not dt_fs > 0:
        raise ValueError(f"dt_fs must be positive, got {dt_fs}")
    n_frames = len(current_a)
    length = n_frames if block_length is None else int(block_length)
    if not 2 <= length <= n_frames:
        raise ValueError(f"block_length must lie in [2, {n_frames}] frames, got {block_length}")
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap must lie in [0, 1), got {overlap}")
    if zero_pad < 1:
        raise ValueError(f"zero_pad must be at least 1, got {zero_pad}")

    w = _windows(window, length)
    step = max(1, round(length * (1 - overlap)))
    starts = range(0, n_frames - length + 1, step)
    n_fft = length * int(zero_pad)
    frequency = np.fft.rfftfreq(n_fft, d=dt_fs)  # fs⁻¹
    wavenumber = frequency * 1e15 / SPEED_OF_LIGHT_CM_S
    d_frequency_d_wavenumber = SPEED_OF_LIGHT_CM_S * 1e-15
    one_sided = np.full(len(frequency), 2.0)
    one_sided[0] = 1.0
    if n_fft % 2 == 0:
        one_sided[-1] = 1.0
    scale = one_sided[:, None] * dt_fs / (length * np.mean(w**2)) * d_frequency_d_wavenumber

    def transform(block: np.ndarray) -> np.ndarray:
        return np.fft.rfft((block - block.mean(axis=0)) * w[:, None], n=n_fft, axis=0)

    blocks = []
    for start in starts:
        fa = transform(current_a[start:start + length])
        fb = fa if current_b is current_a else transform(current_b[start:start + length])
        product = fa.real * fb.real + fa.imag * fb.imag  # Re[A·B*]; |A|² when b is a
        blocks.append((scale * product).mean(axis=1))
    return wavenumber, np.array(blocks)


def _finish(wavenumber, blocks, max_wavenumber, smoothing_points, normalize, nqe_shift, quantum_correction_K,
            return_error, return_blocks):
    """Mean and standard error over blocks, then the requested correction, shift, smoothing, cut and scale."""
    intensity = blocks.mean(axis=0)
    error = blocks.std(axis=0, ddof=1) / np.sqrt(len(blocks)) if len(blocks) > 1 else np.zeros_like(intensity)
    rows = np.vstack([intensity, error, blocks])  # every step below is linear, applied alike to each row

    if quantum_correction_K is not None:
        rows = rows * harmonic_quantum_correction(wavenumber, quantum_correction_K)
    if nqe_shift:
        wavenumber = wavenumber - nqe_red_shift(wavenumber)
    if smoothing_points:
        rows = gaussian_filter1d(rows, smoothing_points, axis=-1)
    if max_wavenumber is not None:
        keep = wavenumber <= max_wavenumber
        wavenumber, rows = wavenumber[keep], rows[:, keep]
    if normalize is not None:
        rows = rows / normalization_scale(wavenumber, rows[0], normalize)
    intensity, error, blocks = rows[0], rows[1], rows[2:]
    return (wavenumber, intensity) + ((error,) if return_error else ()) + ((blocks,) if return_blocks else ())
