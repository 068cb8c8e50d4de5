"""Group-decomposed IR spectra of one cell: per group the auto-spectrum and the cross-spectrum with the total."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .inputs import open_dataset
from .spectrum_marks import (
    EXPERIMENT_STYLE,
    STRETCH_BAND_CM1,
    mark_bands,
    measured_spectra,
    reference_positions,
    spectrum_scale,
)
from .style import (
    DPI,
    FORMATS,
    FULL_WIDTH,
    TOTAL_COLOR,
    color,
    linestyle,
    new_figure,
    pretty,
    save_figure,
    style,
)

GROUP_VARIABLES = ("wavenumber", "intensity", "group", "group_intensity", "group_cross_intensity")


def group_spectra(ir_file: Path | str, output_stem: Path | str, title: str | None = None, *,
                  normalize_band: tuple[float, float] = STRETCH_BAND_CM1,
                  formats: Iterable[str] = FORMATS, dpi: int = DPI) -> list[Path]:
    """Two stacked panels sharing the wavenumber axis: the total spectrum with each group's
    auto-spectrum (top) and with each group's cross-spectrum with the total, i.e. its contribution
    (bottom; these add up to the total when the groups partition the cell). All are divided by the
    total's maximum in ``normalize_band`` unless the ir.nc is already normalised. The ir.nc's
    ``reference_position`` bands are marked, and a measured group spectrum it carries (e.g. the proton's)
    is drawn over the group's auto-spectrum, scaled to its maximum there. The paths written."""
    dataset = open_dataset(ir_file, "ir file", GROUP_VARIABLES[:2])
    missing = [name for name in GROUP_VARIABLES[2:] if name not in dataset.variables]
    if missing:
        raise ValueError(f"ir file {ir_file} has no group spectra (lacks {', '.join(missing)}); "
                         "run `lesdistill response --groups` and `lesdistill ir` on it")
    scale = spectrum_scale(dataset, normalize_band)
    x = dataset["wavenumber"].values
    total = dataset["intensity"].values / scale
    groups = [str(name) for name in dataset["group"].values]
    auto = dataset["group_intensity"].transpose("group", "wavenumber").values / scale
    cross = dataset["group_cross_intensity"].transpose("group", "wavenumber").values / scale
    positions, reference_name = reference_positions(None, [dataset])
    measured = measured_spectra([dataset])
    x_range = (0.0, float(x.max()))

    with style():
        figure = new_figure(FULL_WIDTH, 5.4 + (0.5 if positions else 0.0))
        top, bottom = figure.subplots(2, 1, sharex=True)
        handles = [top.plot(x, total, color=TOTAL_COLOR, linewidth=1.5, label="total")[0]]
        bottom.plot(x, total, color=TOTAL_COLOR, linewidth=1.5)
        for index, name in enumerate(groups):
            style_kw = {"color": color(index), "linestyle": linestyle(index)}
            handles.append(top.plot(x, auto[index], label=pretty(name), **style_kw)[0])
            bottom.plot(x, cross[index], **style_kw)
            if name in measured:  # scaled to the group's maximum on the measured range
                measured_x, measured_y = measured[name]
                on_range = (x >= measured_x[0]) & (x <= measured_x[-1])
                height = float(np.nanmax(auto[index][on_range])) if on_range.any() else 1.0
                handles.append(top.plot(measured_x, measured_y * height / measured_y.max(),
                                        label=f"{pretty(name)}: experiment",
                                        **{**EXPERIMENT_STYLE, "color": style_kw["color"]})[0])
        if len(groups) > 1:
            handles.append(bottom.plot(x, cross.sum(axis=0), color="0.55", linestyle=(0, (1, 1.5)), linewidth=1.0,
                                       label="sum of contributions")[0])
        bottom.axhline(0.0, color="0.6", linewidth=0.6, zorder=0.4)
        top.set_ylim(bottom=min(0.0, float(np.nanmin(auto)) if auto.size else 0.0))
        top.set_ylabel("auto-spectrum (normalised)")
        bottom.set_ylabel("cross-spectrum with total\n= contribution (normalised)")
        for ax in (top, bottom):
            ax.margins(x=0)
        bottom.set_xlim(*x_range)
        bottom.set_xlabel("Wavenumber (cm$^{-1}$)")
        mark_bands([top, bottom], positions, x_range, reference_name)
        figure.legend(handles=handles, loc="outside right upper", title="current")
        if title:
            figure.suptitle(title, fontsize=10)
        paths = save_figure(figure, output_stem, formats, dpi)
    return paths
