"""Helpers shared by the spectrum figures: intensity normalisation, experimental band marks and spectra."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import xarray as xr

from ..spectra.reference import load_reference
from .style import REFERENCE_COLOR, band_name

#: Band (cm⁻¹) whose maximum sets the scale of a spectrum: the O–H stretch, as in the paper (2800–3800).
STRETCH_BAND_CM1 = (2800.0, 3800.0)
INTENSITY_LABEL_NORMALIZED = "IR intensity (normalised)"


def is_normalized(dataset: xr.Dataset) -> bool:
    """True when ``lesdistill ir --normalize`` already normalised the spectra of this ir.nc."""
    return str(dataset["intensity"].attrs.get("units", "")).lower().startswith("normali")


def stretch_scale(wavenumber: np.ndarray, intensity: np.ndarray, band: tuple[float, float] = STRETCH_BAND_CM1) -> float:
    """The maximum of ``intensity`` inside ``band`` (cm⁻¹), else its maximum overall; 1 if not positive."""
    wavenumber, intensity = np.asarray(wavenumber, float), np.asarray(intensity, float)
    inside = (wavenumber >= band[0]) & (wavenumber <= band[1]) & np.isfinite(intensity)
    scale = float(intensity[inside].max()) if inside.any() else math.nan
    if not scale > 0:
        finite = intensity[np.isfinite(intensity)]
        scale = float(finite.max()) if len(finite) else math.nan
    return scale if scale > 0 else 1.0


def spectrum_scale(dataset: xr.Dataset, band: tuple[float, float] = STRETCH_BAND_CM1) -> float:
    """1 for an already normalised ir.nc, else :func:`stretch_scale` of its total spectrum."""
    if is_normalized(dataset):
        return 1.0
    return stretch_scale(dataset["wavenumber"].values, dataset["intensity"].values, band)


#: line style of a measured spectrum drawn over the computed ones
EXPERIMENT_STYLE = {"color": "black", "linestyle": (0, (2, 1.5)), "linewidth": 1.0}


def measured_spectra(datasets: Iterable[xr.Dataset]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The measured spectra the first ir.nc that carries any holds: {name (total or a group): (wavenumber
    cm⁻¹, intensity)}, finite points only (the measured range); {} when none does."""
    for dataset in datasets:
        if "experiment_intensity" in dataset:
            x = dataset["wavenumber"].values
            rows = dataset["experiment_intensity"].transpose("experiment", "wavenumber").values
            return {str(name): (x[np.isfinite(row)], row[np.isfinite(row)])
                    for name, row in zip(dataset["experiment"].values, rows)}
    return {}


def reference_positions(reference: str | Path | None, datasets: list[xr.Dataset] = ()) -> tuple[dict[str, float], str | None]:
    """Experimental band positions (cm⁻¹) and the reference's name.

    From ``reference`` (a bundled name or a YAML path, through :func:`load_reference`) when given, else
    from the first ir.nc that carries ``reference_position``; ({}, None) when there is none.
    """
    if reference is not None:
        loaded = load_reference(reference)
        return dict(loaded.positions), loaded.name
    for dataset in datasets:
        if "reference_position" in dataset:
            positions = {str(band): float(value) for band, value
                         in zip(dataset["band"].values, dataset["reference_position"].values) if np.isfinite(value)}
            if positions:
                return positions, dataset.attrs.get("reference_name")
    return {}, None


def mark_bands(axes, positions: dict[str, float], x_range: tuple[float, float], name: str | None = None) -> None:
    """Dashed vertical lines at the band ``positions`` on every axes, labelled (name, cm⁻¹) on a top axis
    of the first one."""
    inside = {band: x for band, x in sorted(positions.items(), key=lambda item: item[1])
              if x_range[0] <= x <= x_range[1]}
    if not inside:
        return
    for ax in axes:
        for x in inside.values():
            ax.axvline(x, color=REFERENCE_COLOR, linestyle=(0, (4, 3)), linewidth=0.8, zorder=0.5)
    top = axes[0].secondary_xaxis("top")
    top.set_xticks(list(inside.values()), labels=[f"{band_name(band)} {x:.0f}" for band, x in inside.items()])
    top.tick_params(axis="x", direction="out", length=3, labelsize=6.5, colors=REFERENCE_COLOR)
    for label in top.get_xticklabels():
        label.set(rotation=30, ha="left", rotation_mode="anchor")
    top.set_xlabel(f"experiment{f' ({name})' if name else ''}, cm$^{{-1}}$", fontsize=7, color=REFERENCE_COLOR)
