"""Water density against distance from the surface (TiO2–water response files), with the layer cuts."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..systems.water import WATER_DENSITY
from .inputs import open_dataset, response_attribute
from .style import (
    DPI,
    FORMATS,
    FULL_WIDTH,
    REFERENCE_COLOR,
    color,
    new_figure,
    save_figure,
    style,
)

#: Shown past the farthest non-empty bin (Å).
DISTANCE_PAD_A = 1.0


def layer_cuts(dataset) -> list[float]:
    """The water-layer boundaries (Å) recorded in the response file's ``request`` attribute ([] if none)."""
    request = response_attribute(dataset, "request")
    cuts = request.get("layer_cuts") if isinstance(request, dict) else None
    return sorted(float(c) for c in cuts) if cuts else []


def density_profile(response_file: Path | str, output_stem: Path | str, title: str | None = None, *,
                    formats: Iterable[str] = FORMATS, dpi: int = DPI) -> list[Path]:
    """Mean over frames (NaN frames skipped) of ``water_density`` (g/cm³) against ``distance`` (Å),
    the layer cuts as vertical lines with the layers named, and the bulk density dashed; the paths written."""
    dataset = open_dataset(response_file, "response file", ("distance", "water_density"))
    density = dataset["water_density"].transpose("frame", "distance").values
    frames = np.isfinite(density).any(axis=1)
    if not frames.any():
        raise ValueError(f"response file {response_file} holds no frame with a water density profile")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN bins
        profile = np.nanmean(density[frames], axis=0)
    distance = dataset["distance"].values.astype(float)
    filled = np.flatnonzero(np.nan_to_num(profile) > 0)
    x_high = float(distance[filled[-1]] + DISTANCE_PAD_A) if len(filled) else float(distance.max())
    cuts = layer_cuts(dataset)

    with style():
        figure = new_figure(FULL_WIDTH, 3.1)
        ax = figure.subplots()
        ax.plot(distance, profile, color=color(0), linewidth=1.4, label=f"student MD ({int(frames.sum())} frames)")
        ax.axhline(WATER_DENSITY, color=REFERENCE_COLOR, linestyle="--", linewidth=0.9,
                   label=f"bulk water {WATER_DENSITY} g cm$^{{-3}}$")
        edges = [0.0, *[c for c in cuts if c < x_high], x_high]
        for k, cut in enumerate(cuts):
            if cut < x_high:
                ax.axvline(cut, color=color(1), linestyle=":", linewidth=1.0,
                           label="layer boundaries" if k == 0 else None)
        top = float(np.nanmax(profile)) if np.isfinite(profile).any() else 1.0
        ax.set_ylim(0, max(top, WATER_DENSITY) * 1.22)
        if cuts:
            for k, (left, right) in enumerate(itertools.pairwise(edges)):
                name = "bulk" if k == len(edges) - 2 and k == len(cuts) else f"layer {k + 1}"
                ax.text(0.5 * (left + right), 0.97, name, transform=ax.get_xaxis_transform(), ha="center", va="top",
                        fontsize=7, color=color(1))
        ax.set_xlim(0, x_high)
        ax.set_xlabel("Distance of water O from the nearest surface (Å)")
        ax.set_ylabel("Water density (g cm$^{-3}$)")
        ax.legend(loc="center right")
        if title:
            ax.set_title(title, loc="left")
        paths = save_figure(figure, output_stem, formats, dpi)
    return paths
