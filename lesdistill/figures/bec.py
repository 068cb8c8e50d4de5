"""Per-element distributions of the per-atom isotropic Born effective charge from response files."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .inputs import open_dataset
from .style import (
    DPI,
    FORMATS,
    FULL_WIDTH,
    color,
    element_symbol,
    linestyle,
    new_figure,
    save_figure,
    style,
)

HISTOGRAM_VARIABLES = ("element", "bec_bin", "bec_iso_histogram")
#: Densities below this fraction of an element's highest one do not widen its x range.
RANGE_THRESHOLD = 1e-3
RANGE_PAD_E = 0.3


@dataclass(frozen=True)
class BecDistribution:
    """One element of one response file: bin centres (e), probability density (1/e), mean and std (e)."""

    bins: np.ndarray
    density: np.ndarray
    mean: float
    std: float
    n_frames: int


def read_bec_distributions(path: Path | str) -> dict[int, BecDistribution]:
    """Atomic number → the isotropic-BEC distribution summed over the frames with BEC statistics.

    The histogram (``bec_iso_histogram``, atoms per bin) is summed over the frames where it is finite
    and normalised to unit area. Mean and std pool ``bec_iso_mean``/``bec_iso_std`` over those frames
    (the spread over atoms and frames); without them they come from the histogram.
    """
    dataset = open_dataset(path, "response file", HISTOGRAM_VARIABLES)
    histogram = dataset["bec_iso_histogram"].transpose("frame", "element", "bec_bin").values
    frames = np.isfinite(histogram).all(axis=(1, 2))
    if not frames.any():
        raise ValueError(f"response file {path} holds no frame with BEC statistics (bec_iso_histogram is NaN)")
    bins = dataset["bec_bin"].values.astype(float)
    width = float(np.median(np.diff(bins))) if len(bins) > 1 else 1.0
    counts = histogram[frames].sum(axis=0)
    result = {}
    for k, number in enumerate(dataset["element"].values):
        total = counts[k].sum()
        density = counts[k] / (total * width) if total > 0 else np.zeros_like(counts[k])
        mean, std = _pooled(dataset, k, frames) if "bec_iso_mean" in dataset else (math.nan, math.nan)
        if not math.isfinite(mean) and total > 0:
            mean = float((bins * counts[k]).sum() / total)
            std = float(np.sqrt(((bins - mean) ** 2 * counts[k]).sum() / total))
        result[int(number)] = BecDistribution(bins, density, mean, std, int(frames.sum()))
    return result


def _pooled(dataset, k: int, frames: np.ndarray) -> tuple[float, float]:
    means = dataset["bec_iso_mean"].transpose("frame", "element").values[frames, k]
    if "bec_iso_std" not in dataset or not np.isfinite(means).all():
        return math.nan, math.nan
    stds = dataset["bec_iso_std"].transpose("frame", "element").values[frames, k]
    mean = float(means.mean())
    variance = float(np.mean(stds ** 2 + means ** 2) - mean ** 2)
    return mean, math.sqrt(max(variance, 0.0))


def bec_distributions(response_files: Mapping[str, Path | str], output_stem: Path | str, *,
                      formats: Iterable[str] = FORMATS, dpi: int = DPI) -> list[Path]:
    """One panel per element, one line per label (``{label: response.nc}``, one shared legend below), each
    label's mean ± std written in its colour in the panel; the paths written."""
    if not response_files:
        raise ValueError("no response file given for the BEC distributions")
    data = {label: read_bec_distributions(path) for label, path in response_files.items()}
    elements = sorted({number for distributions in data.values() for number in distributions})
    columns = min(len(elements), 3)
    rows = math.ceil(len(elements) / columns)
    with style():
        figure = new_figure(FULL_WIDTH if columns > 1 else 3.6, 0.9 + 2.4 * rows)
        axes = figure.subplots(rows, columns, squeeze=False).ravel()
        handles = {}
        for ax, number in zip(axes, elements):
            low, high, peak, peak_at = math.inf, -math.inf, 0.0, 0.0
            notes = []
            for index, (label, distributions) in enumerate(data.items()):
                if number not in distributions:
                    continue
                d = distributions[number]
                handles[label], = ax.plot(d.bins, d.density, color=color(index), linestyle=linestyle(index),
                                          label=label)
                if d.density.max() > peak:
                    peak, peak_at = float(d.density.max()), float(d.bins[np.argmax(d.density)])
                shown = d.bins[d.density >= RANGE_THRESHOLD * max(d.density.max(), 1e-300)]
                if len(shown):
                    low, high = min(low, shown.min()), max(high, shown.max())
                notes.append((f"{d.mean:+.2f} ± {d.std:.2f} e", color(index)))
            if math.isfinite(low):
                ax.set_xlim(low - RANGE_PAD_E, high + RANGE_PAD_E)
            ax.set_ylim(0, (peak or 1.0) * (1.2 + 0.14 * len(notes)))  # headroom for the mean ± std notes
            left = peak_at > sum(ax.get_xlim()) / 2  # notes on the side away from the highest peak
            for k, (text, text_color) in enumerate(notes):
                ax.text(0.03 if left else 0.97, 0.97 - 0.085 * k, text, transform=ax.transAxes, color=text_color,
                        ha="left" if left else "right", va="top", fontsize=7)
            ax.set_title(element_symbol(number), loc="left", fontweight="bold")
            ax.set_xlabel(r"Isotropic BEC $Z^*_\mathrm{iso}$ (e)")
        for ax in axes[len(elements):]:
            ax.set_visible(False)
        for ax in axes[::columns]:
            ax.set_ylabel("Probability density (e$^{-1}$)")
        figure.legend(handles=list(handles.values()), loc="outside lower center", ncols=min(len(handles), 3),
                      title="numbers in the panels: mean ± std of the per-atom isotropic BEC")
        paths = save_figure(figure, output_stem, formats, dpi)
    return paths
