r"""Band peaks of an IR spectrum: position, full width at half maximum, height and their uncertainties.

A band is ``(name, low, high)`` in cm⁻¹. Within it the highest point is refined by the parabola
through it and its two neighbours (on any grid, uniform or not, e.g. after the NQE shift), giving
the position and height. The FWHM is the distance between the half-height crossings on either
side, each interpolated linearly between the grid points that bracket it; it is NaN when the
intensity does not fall below half the height inside the band on both sides (an unresolved band).
Heights are measured from zero: no baseline is subtracted, so a band sitting on a continuum has a
width measured down to half its full height.

Uncertainties come from the blocks of the spectrum (``ir_spectrum(..., return_blocks=True)``): the
same peak analysis on every block spectrum, then std over blocks / √n_blocks for position, width
and height. Overlapping blocks are correlated, so with 50 % overlap this somewhat underestimates
the error. Without block spectra, a standard error per point (``return_error=True``) gives the
height error (at the refined maximum) and a first-order propagated error of the parabola vertex.

Band windows (cm⁻¹), chosen to hold one feature each:

- :data:`WATER_BANDS`, liquid water: H-bond stretch 100–350, libration 400–1000, bend 1400–1900,
  bend + libration combination 1900–2600, O–H stretch 2600–4000.
- :data:`HCL_BANDS`, hydrated-proton features of concentrated HCl(aq): Zundel proton stretch
  ≈1150 → 900–1400; protonated-water bend ≈1850 → 1720–2100 (starts above 1720 so that the water
  bend at ≈1640 and its steep flank stay outside); Eigen O–H stretch ≈2400 → 2150–2650; Zundel O–H
  stretch ≈3000 → 2750–3250. These are broad continuum features: in the total spectrum the
  maximum of a window may sit on the flank of a water band (``interior`` is then False); they are
  meant mainly for the spectra of the hydronium-core current (auto- or cross-spectrum).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

Band = tuple[str, float, float]

WATER_BANDS: tuple[Band, ...] = (
    ("hbond_stretch", 100.0, 350.0),
    ("libration", 400.0, 1000.0),
    ("bend", 1400.0, 1900.0),
    ("combination", 1900.0, 2600.0),
    ("stretch", 2600.0, 4000.0),
)
HCL_BANDS: tuple[Band, ...] = (
    ("zundel_proton_stretch", 900.0, 1400.0),
    ("hydronium_bend", 1720.0, 2100.0),
    ("eigen_oh_stretch", 2150.0, 2650.0),
    ("zundel_oh_stretch", 2750.0, 3250.0),
)
BAND_SETS: dict[str, tuple[Band, ...]] = {"water": WATER_BANDS, "hcl": HCL_BANDS}


@dataclass(frozen=True)
class Peak:
    """One band's peak (cm⁻¹ for position and width, intensity units for height); errors NaN when unknown."""

    band: str
    low: float
    high: float
    position: float
    width: float
    height: float
    position_error: float = math.nan
    width_error: float = math.nan
    height_error: float = math.nan
    n_blocks: int = 0
    #: False when the band's maximum lies on its first or last point (a flank, not a peak); position
    #: is then that point and position_error is NaN.
    interior: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def check_bands(bands) -> tuple[Band, ...]:
    """Bands as (name, low, high) tuples with unique names and low < high; ValueError naming a bad one."""
    checked = []
    for band in bands:
        try:
            name, low, high = band
            low, high = float(low), float(high)
        except (TypeError, ValueError):
            raise ValueError(f"a band must be (name, low, high) in cm^-1, got {band!r}") from None
        if not low < high:
            raise ValueError(f"band {name!r} needs low < high, got {low} and {high}")
        checked.append((str(name), low, high))
    names = [name for name, _, _ in checked]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"band names must be unique, repeated: {duplicates}")
    return tuple(checked)


def find_peaks(wavenumber: np.ndarray, intensity: np.ndarray, bands=WATER_BANDS, *,
               block_spectra: np.ndarray | None = None, error: np.ndarray | None = None) -> dict[str, Peak]:
    """Peak of every band of a spectrum, with uncertainties from ``block_spectra`` or else ``error``.

    ``wavenumber`` must increase; ``block_spectra`` (n_blocks, n_wavenumber) and ``error``
    (n_wavenumber) are what ``ir_spectrum`` returns with ``return_blocks`` / ``return_error``.
    Raises ValueError for a band that holds fewer than 3 points of the spectrum.
    """
    wavenumber, intensity = _checked_spectrum(wavenumber, intensity)
    bands = check_bands(bands)
    statistics = {}
    if block_spectra is not None:
        statistics = peak_statistics_over_blocks(wavenumber, block_spectra, bands)
    elif error is not None:
        error = np.asarray(error, dtype=float)
        if error.shape != intensity.shape:
            raise ValueError(f"error must have the spectrum's shape {intensity.shape}, got {error.shape}")
    peaks = {}
    for band in bands:
        name, low, high = band
        position, width, height, interior, vertex_gradient, top = _band_peak(wavenumber, intensity, band)
        uncertainties = {}
        if name in statistics:
            uncertainties = dict(statistics[name])
        elif error is not None:
            propagated = np.sqrt(np.sum((vertex_gradient * error[top - 1:top + 2]) ** 2))
            uncertainties = {"position_error": float(propagated), "height_error": float(error[top])}
        if not interior:  # the band's edge is no peak position: nothing to attach an error to
            uncertainties["position_error"] = math.nan
        peaks[name] = Peak(name, low, high, position, width, height, interior=interior, **uncertainties)
    return peaks


def peak_statistics_over_blocks(wavenumber: np.ndarray, block_spectra: np.ndarray, bands=WATER_BANDS) -> dict[str, dict]:
    """Per band: std over blocks / √n of the per-block peak position, width and height (NaN for < 2 blocks).

    Blocks whose band is unresolved (NaN width) are left out of the width statistics only.
    """
    block_spectra = np.atleast_2d(np.asarray(block_spectra, dtype=float))
    wavenumber = np.asarray(wavenumber, dtype=float)
    if block_spectra.ndim != 2 or block_spectra.shape[1:] != wavenumber.shape:
        raise ValueError(f"block_spectra must have shape (n_blocks, {len(wavenumber)}), got {block_spectra.shape}")
    wavenumber, _ = _checked_spectrum(wavenumber, block_spectra[0])
    n_blocks = len(block_spectra)
    result = {}
    for band in check_bands(bands):
        per_block = np.array([_band_peak(wavenumber, spectrum, band)[:3] for spectrum in block_spectra])
        result[band[0]] = {f"{what}_error": _standard_error(per_block[:, column])
                           for column, what in enumerate(("position", "width", "height"))}
        result[band[0]]["n_blocks"] = n_blocks
    return result


def _standard_error(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else math.nan


def _checked_spectrum(wavenumber, intensity) -> tuple[np.ndarray, np.ndarray]:
    wavenumber = np.asarray(wavenumber, dtype=float)
    intensity = np.asarray(intensity, dtype=float)
    if wavenumber.ndim != 1 or intensity.shape != wavenumber.shape:
        raise ValueError(f"wavenumber and intensity must be 1-D of one length, got {wavenumber.shape} and {intensity.shape}")
    if len(wavenumber) < 3 or not (np.diff(wavenumber) > 0).all():
        raise ValueError("wavenumber must increase strictly and hold at least 3 points")
    return wavenumber, intensity


def _band_peak(wavenumber: np.ndarray, intensity: np.ndarray, band: Band):
    """(position, width, height, interior, ∂position/∂intensity[top-1:top+2], top index) of one band."""
    name, low, high = band
    inside = np.flatnonzero((wavenumber >= low) & (wavenumber <= high))
    if len(inside) < 3:
        raise ValueError(f"band {name!r} ({low:g}-{high:g} cm^-1) holds {len(inside)} point(s) of the spectrum; "
                         "it needs at least 3 (longer blocks, zero padding or a wider band)")
    first, last = inside[0], inside[-1]
    top = first + int(np.argmax(intensity[first:last + 1]))
    interior = first < top < last
    if interior:
        position, height, gradient = _parabola_vertex(wavenumber[top - 1:top + 2], intensity[top - 1:top + 2])
    else:  # a flank: no vertex to refine, no position error to propagate
        position, height, gradient = wavenumber[top], intensity[top], np.full(3, math.nan)
    half = height / 2
    left = _crossing(wavenumber, intensity, half, top, first, step=-1)
    right = _crossing(wavenumber, intensity, half, top, last, step=+1)
    width = right - left if height > 0 else math.nan
    return float(position), float(width), float(height), bool(interior), gradient, top


def _parabola_vertex(x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Vertex (x, y) of the parabola through 3 points and ∂x_vertex/∂y; the middle point (gradient NaN) if none."""
    origin = x[1]
    u = x - origin
    coefficients_of_y = np.linalg.inv(np.vander(u, 3))  # rows: a, b, c of a u² + b u + c in terms of y
    a, b, c = coefficients_of_y @ y
    vertex = -b / (2 * a) if a < 0 else math.nan
    if not u[0] <= vertex <= u[2]:  # flat, or no maximum between the three points: keep the grid point
        return float(x[1]), float(y[1]), np.full(3, math.nan)
    gradient = -(coefficients_of_y[1] * a - b * coefficients_of_y[0]) / (2 * a * a)
    return float(origin + vertex), float(c - b * b / (4 * a)), gradient


def _crossing(wavenumber, intensity, level, start, stop, step) -> float:
    """Wavenumber where ``intensity`` first falls below ``level`` walking from ``start`` towards ``stop``."""
    for i in range(start, stop, step):
        j = i + step
        if intensity[j] < level:
            fraction = (intensity[i] - level) / (intensity[i] - intensity[j])
            return float(wavenumber[i] + fraction * (wavenumber[j] - wavenumber[i]))
    return math.nan
