"""IR spectra of every teacher of one system against experiment, one panel per level of theory."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from ..io.atomic import write_text
from ..teachers import load_catalog
from .inputs import open_dataset
from .spectrum_marks import (
    EXPERIMENT_STYLE,
    INTENSITY_LABEL_NORMALIZED,
    STRETCH_BAND_CM1,
    mark_bands,
    measured_spectra,
    reference_positions,
    spectrum_scale,
    stretch_scale,
)
from .style import (
    DPI,
    FORMATS,
    FULL_WIDTH,
    band_name,
    color,
    linestyle,
    new_figure,
    save_figure,
    style,
    system_name,
)

UNLISTED_LEVEL = "not in the teacher catalog"
#: legend and table mark of a cell whose student failed its quality gate (on_fail: warn)
FAILED_GATE = "FAILED GATE"


def gate_mark(verdict: Mapping | None) -> str:
    """' — FAILED GATE' for a failing verdict, else ''."""
    return f" — {FAILED_GATE}" if verdict is not None and not verdict["passed"] else ""


def level_of_theory(teacher: str, catalog: Mapping | None = None) -> str:
    """The teacher's level of theory from the catalog (``UNLISTED_LEVEL`` for ids it lacks)."""
    catalog = load_catalog() if catalog is None else catalog
    spec = catalog.get(teacher)
    return spec.level_of_theory if spec is not None else UNLISTED_LEVEL


def ir_spectra(ir_files: Mapping[str, Path | str], system: str, reference: str | Path | None,
               output_stem: Path | str, *, normalize_band: tuple[float, float] = STRETCH_BAND_CM1,
               peak_table: bool = True, catalog: Mapping | None = None, gates: Mapping[str, Mapping] | None = None,
               formats: Iterable[str] = FORMATS, dpi: int = DPI) -> list[Path]:
    """Plot the ir.nc of each teacher (``{teacher id: path}``) of ``system``; the paths written.

    One panel per level of theory (stacked, shared wavenumber axis; the level heads the panel's legend). Each spectrum is divided by its
    maximum in ``normalize_band`` (cm⁻¹) unless the ir.nc is already normalised, with its ±error band
    where ``error`` is finite. Experimental band positions (``reference``: 'water', 'hcl' or a YAML
    path; default: the ir.nc's own ``reference_position``) are dashed lines labelled on the top axis; a
    measured total spectrum the ir.nc carries is drawn in every panel, divided by its own maximum in
    ``normalize_band``, and the peak table gains each cell's spectral distance from it.
    With ``peak_table`` the band peaks go to ``<stem>_peaks.md`` too. ``gates`` ({teacher id: quality-gate
    verdict}) marks failed students "FAILED GATE" in the legend and adds their validation force RMSE and
    verdict to the peak table.
    """
    if not ir_files:
        raise ValueError(f"no ir.nc given for the IR figure of {system}")
    catalog = load_catalog() if catalog is None else catalog
    datasets = {teacher: open_dataset(path, "ir file", ("wavenumber", "intensity")) for teacher, path in ir_files.items()}
    positions, reference_name = reference_positions(reference, list(datasets.values()))
    measured = measured_spectra(datasets.values()).get("total")
    levels: dict[str, list[str]] = {}
    for teacher in datasets:
        levels.setdefault(level_of_theory(teacher, catalog), []).append(teacher)
    high = min(float(d["wavenumber"].max()) for d in datasets.values())
    x_range = (0.0, high)

    with style():
        figure = new_figure(FULL_WIDTH, 0.9 + 1.75 * len(levels) + (0.6 if positions else 0.0))
        axes = figure.subplots(len(levels), 1, sharex=True, squeeze=False)[:, 0]
        index = 0
        for ax, (level, teachers) in zip(axes, levels.items(), strict=True):
            for teacher in teachers:
                dataset = datasets[teacher]
                scale = spectrum_scale(dataset, normalize_band)
                x = dataset["wavenumber"].values
                y = dataset["intensity"].values / scale
                line, = ax.plot(x, y, color=color(index), linestyle=linestyle(index),
                                label=teacher + gate_mark((gates or {}).get(teacher)))
                if "error" in dataset:
                    error = dataset["error"].values / scale
                    finite = np.isfinite(error)
                    if finite.any():
                        ax.fill_between(x, y - error, y + error, where=finite, color=line.get_color(), alpha=0.25,
                                        linewidth=0)
                index += 1
            if measured is not None:
                ax.plot(measured[0], measured[1] / stretch_scale(*measured, normalize_band), label="experiment",
                        **EXPERIMENT_STYLE)
            ax.set_ylim(bottom=0)
            ax.set_ylim(top=ax.get_ylim()[1] * 1.1)
            ax.margins(x=0)
            ax.legend(loc="best", title=level, alignment="left", handlelength=2.2)
        axes[-1].set_xlim(*x_range)
        axes[-1].set_xlabel("Wavenumber (cm$^{-1}$)")
        figure.supylabel(INTENSITY_LABEL_NORMALIZED, fontsize=9)
        mark_bands(list(axes), positions, x_range, reference_name)
        figure.suptitle(f"IR spectra: {system_name(system)}", fontsize=10)
        paths = save_figure(figure, output_stem, formats, dpi)
    if peak_table:
        paths.append(write_peak_table(datasets, positions, catalog, Path(output_stem), gates))
    return paths


def write_peak_table(datasets: Mapping, positions: Mapping[str, float], catalog: Mapping, output_stem: Path,
                     gates: Mapping[str, Mapping] | None = None) -> Path:
    """``<stem>_peaks.md``: per teacher the peak position ± error (cm⁻¹) of each band and the shift from
    experiment; the spectral distance from the measured total spectrum where the ir.nc has one; with
    ``gates`` also the student's validation force RMSE and its quality-gate verdict."""
    bands: list[str] = []
    for dataset in datasets.values():
        if "peak_position" in dataset:
            bands += [str(b) for b in dataset["band"].values if str(b) not in bands]
    header = ["Teacher", "Level of theory"] + [
        band_name(band) + (f" (exp. {positions[band]:.0f})" if band in positions else "") for band in bands]
    distances = {teacher: total_spectral_distance(dataset) for teacher, dataset in datasets.items()}
    if any(distance is not None for distance in distances.values()):
        header.append("Spectral distance")
    if gates:
        header += ["Force RMSE (meV/Å)", "Quality gate"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for teacher, dataset in datasets.items():
        cells = [teacher, level_of_theory(teacher, catalog)]
        found = {}
        if "peak_position" in dataset:
            for i, band in enumerate(dataset["band"].values):
                found[str(band)] = i
        for band in bands:
            cells.append(_peak_cell(dataset, found.get(band), positions.get(band)))
        if "Spectral distance" in header:
            cells.append("—" if distances[teacher] is None else f"{distances[teacher]:.3f}")
        if gates:
            cells += _gate_cells(gates.get(teacher))
        lines.append("| " + " | ".join(cells) + " |")
    path = output_stem.with_name(f"{output_stem.name}_peaks.md")
    path.parent.mkdir(parents=True, exist_ok=True)
    note = ("Peak positions in cm⁻¹ (± standard error over blocks); in parentheses the shift from experiment. "
            "Spectral distance: RMS difference of the max-normalised computed and measured spectra on the range "
            "both cover (0: the same shape).")
    write_text(path, "\n".join([note, "", *lines]) + "\n")
    return path


def total_spectral_distance(dataset) -> float | None:
    """The spectral distance of an ir.nc's total spectrum from the measured one (0: same shape), if any."""
    if "spectral_distance" not in dataset or "total" not in [str(n) for n in dataset["experiment"].values]:
        return None
    return float(dataset["spectral_distance"].sel(experiment="total"))


def _gate_cells(verdict: Mapping | None) -> list[str]:
    if verdict is None:
        return ["—", "not gated"]
    if verdict["passed"]:
        return [f"{verdict['force_rmse_mev_a']:.0f}", "passed"]
    return [f"{verdict['force_rmse_mev_a']:.0f}", f"**{FAILED_GATE}**: " + "; ".join(verdict["failures"])]


def _peak_cell(dataset, index: int | None, experiment: float | None) -> str:
    if index is None:
        return "—"
    position = float(dataset["peak_position"].values[index])
    if not math.isfinite(position):
        return "—"
    interior = bool(dataset["peak_interior"].values[index]) if "peak_interior" in dataset else True
    text = f"{position:.0f}"
    error = float(dataset["peak_position_error"].values[index]) if "peak_position_error" in dataset else math.nan
    if math.isfinite(error):
        text += f" ± {error:.0f}"
    if not interior:
        return text + " (edge)"
    if experiment is not None:
        text += f" ({position - experiment:+.0f})"
    return text
