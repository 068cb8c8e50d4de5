"""Summary figures of a campaign: per system, every cell's test force error, BEC R² and band shifts,
cells grouped by level of theory and coloured by architecture family; the same metrics grouped once
by level of theory and once by architecture family, with the share of their spread each grouping
explains (η²: the paper's question, whether the teacher's DFT level or its architecture decides); and
the BEC parity of every teacher's student against the system's reference."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.patches import Patch

from .style import DPI, FORMATS, FULL_WIDTH, color, new_figure, save_figure, style


def _value(row: Mapping, key: str) -> float:
    """The row's number under ``key`` (a summary row or a summary.csv row), NaN where it has none."""
    value = row.get(key)
    return math.nan if value is None or value == "" else float(value)


#: BEC parity prefix → (summary panel label, parity figure title, its student axis label)
BEC_REFERENCES = {
    "bec": ("BEC R² vs reference", "BEC parity",
            r"student $Z^*_{i,\alpha\beta}$ (e, $\sqrt{\epsilon_\infty}$ applied)"),
    "teacher_bec": ("BEC R² vs the teacher's charges", "BEC parity with the teacher's charges",
                    r"student LES $Z^*_{i,\alpha\beta}$ (e, $\epsilon_\infty$ = 1)"),
}


#: what a bar without a value says, by summary column (None: any other)
MISSING = {None: "missing (see summary.md)",
           "teacher_bec_r2": "no teacher charges"}


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def summary_figure(rows: list[Mapping], system: str, output_stem: Path | str, *, formats: Iterable[str] = FORMATS,
                   dpi: int = DPI) -> list[Path]:
    """Bars of the test force RMSE (meV/Å), the BEC R² against the reference and the band shifts
    (cm⁻¹) of every cell of ``system``; cells without a value are marked 'missing'."""
    part = [row for row in rows if row["system"] == system]
    families = list(dict.fromkeys(row["family"] for row in part))
    shift_keys = [k for k in dict.fromkeys(k for row in part for k in row) if k.endswith("_shift_cm1")
                  and any(math.isfinite(_value(row, k)) for row in part)]
    panels = [("test_forces_rmse_mev_a", "test force RMSE vs teacher (meV/Å)")]
    for key in ("bec_r2", "teacher_bec_r2"):
        if any(math.isfinite(_value(row, key)) for row in part):
            panels.append((key, BEC_REFERENCES[key.removesuffix("_r2")][0]))
    if shift_keys:
        panels.append(("shifts", "band shift vs experiment (cm⁻¹)"))
    labels = [f"{row['teacher']}" + (f" ({row['student']})" if row.get("student", "distilled") != "distilled" else "")
              + f"\n{_short(row['level_of_theory'])}" for row in part]
    x = np.arange(len(part))
    with style():
        figure = new_figure(FULL_WIDTH, 1.0 + 1.6 * len(panels) + 0.12 * max(len(label) for label in labels or [""]))
        axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        for ax, (key, title) in zip(axes, panels):
            if key == "shifts":
                width = 0.8 / len(shift_keys)
                for j, name in enumerate(shift_keys):
                    values = [_value(row, name) for row in part]
                    ax.bar(x - 0.4 + width * (j + 0.5), np.nan_to_num(values), width, color=color(j),
                           label=name.removesuffix("_shift_cm1").replace("_", " "))
                ax.axhline(0, color="0.3", linewidth=0.8)
                ax.legend(loc="best", ncols=min(len(shift_keys), 3))
            else:
                values = [_value(row, key) for row in part]
                ax.bar(x, np.nan_to_num(values), 0.7, color=[color(families.index(r["family"])) for r in part])
                for i, value in enumerate(values):
                    if not math.isfinite(value):
                        ax.annotate(MISSING.get(key, MISSING[None]), (x[i], 0), ha="center", va="bottom", fontsize=8,
                                    color="0.3", rotation=90)
            ax.set_ylabel(title)
        handles = [Patch(color=color(i), label=f) for i, f in enumerate(families)]
        axes[0].legend(handles=handles, title="architecture family", loc="best", ncols=min(len(families), 4))
        boundaries = [i for i in range(1, len(part)) if part[i]["level_of_theory"] != part[i - 1]["level_of_theory"]]
        for ax in axes:
            for boundary in boundaries:
                ax.axvline(boundary - 0.5, color="0.6", linewidth=0.8, linestyle=":")
        axes[-1].set_xticks(x, labels, rotation=90)
        axes[0].set_title(f"{system}: students by level of theory of their teacher")
        return save_figure(figure, output_stem, formats, dpi)


#: metrics of the grouping figure: summary column → axis label
GROUPED_METRICS = {"test_forces_rmse_mev_a": "test force RMSE (meV/Å)", "bec_r2": BEC_REFERENCES["bec"][0],
                   "teacher_bec_r2": BEC_REFERENCES["teacher_bec"][0],
                   "spectral_distance_total": "spectral distance vs experiment", "stretch_shift_cm1":
                   "O–H stretch shift (cm⁻¹)"}
#: groupings of the grouping figure: summary column → column title
GROUPINGS = {"level_of_theory": "by level of theory", "family": "by architecture family"}


def explained_share(values: list[float], groups: list[str]) -> float:
    """η² = between-group sum of squares / total sum of squares of the finite ``values`` (0: the grouping
    explains none of the spread, 1: all of it); NaN with fewer than two groups, with one value per group
    (then it is 1 whatever the data) or without spread."""
    pairs = [(v, g) for v, g in zip(values, groups) if math.isfinite(v)]
    if not 2 <= len({g for _, g in pairs}) < len(pairs):
        return math.nan
    data = np.array([v for v, _ in pairs])
    total = float(((data - data.mean()) ** 2).sum())
    if not total > 0:
        return math.nan
    between = sum(len(members) * (np.mean(members) - data.mean()) ** 2
                  for members in ([v for v, h in pairs if h == g] for g in dict.fromkeys(g for _, g in pairs)))
    return float(between) / total


def grouping_figure(rows: list[Mapping], system: str, output_stem: Path | str, *, formats: Iterable[str] = FORMATS,
                    dpi: int = DPI) -> list[Path]:
    """For each metric of ``system``'s cells that some cell has (GROUPED_METRICS), the cells' values
    grouped by level of theory (left) and by architecture family (right), one dot per cell and a bar at
    each group's mean, η² (:func:`explained_share`) in the panel title; the distilled cells only."""
    part = [row for row in rows if row["system"] == system and row.get("student", "distilled") == "distilled"]
    metrics = {key: label for key, label in GROUPED_METRICS.items()
               if sum(math.isfinite(_value(row, key)) for row in part) >= 2}
    if not metrics:
        metrics = dict(list(GROUPED_METRICS.items())[:1])
    with style():
        figure = new_figure(FULL_WIDTH, 1.2 + 2.2 * len(metrics))
        axes = figure.subplots(len(metrics), len(GROUPINGS), squeeze=False)
        for row_axes, (key, label) in zip(axes, metrics.items()):
            values = [_value(row, key) for row in part]
            for ax, (grouping, title) in zip(row_axes, GROUPINGS.items()):
                groups = [str(row[grouping]) for row in part]
                names = list(dict.fromkeys(groups))
                for i, name in enumerate(names):
                    members = [v for v, g in zip(values, groups) if g == name and math.isfinite(v)]
                    ax.scatter([i] * len(members), members, color=color(i), s=16, zorder=3)
                    if members:
                        ax.hlines(np.mean(members), i - 0.3, i + 0.3, color="0.2", linewidth=1.2)
                share = explained_share(values, groups)
                ax.set_title(f"{title}: η² = {share:.2f}" if math.isfinite(share) else f"{title}: η² —", fontsize=8)
                ax.set_xticks(range(len(names)), [_short(n, 18) for n in names], rotation=60, ha="right")
                ax.set_xlim(-0.6, len(names) - 0.4)
            row_axes[0].set_ylabel(label)
        figure.suptitle(f"{system}: what decides the students' accuracy (η²: share of the spread between groups)",
                        fontsize=9)
        return save_figure(figure, output_stem, formats, dpi)


def learning_curve_figure(errors: Mapping[str, Mapping[int, float]], full: Mapping[str, float], system: str,
                          output_stem: Path | str, *, formats: Iterable[str] = FORMATS, dpi: int = DPI) -> list[Path]:
    """Test force RMSE (meV/Å) against the number of training frames, one line per teacher (``errors``:
    {teacher: {frames: RMSE}}, NaN for a subset without result), log–log, and each teacher's student
    trained on all its training frames (``full``) as a dashed line."""
    with style():
        figure = new_figure(FULL_WIDTH * 0.6, 3.2)
        ax = figure.subplots()
        for index, (teacher, curve) in enumerate(errors.items()):
            sizes = sorted(curve)
            line, = ax.plot(sizes, [curve[n] for n in sizes], marker="o", color=color(index), label=teacher)
            if math.isfinite(full.get(teacher, math.nan)):
                ax.axhline(full[teacher], color=line.get_color(), linestyle="--", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training frames")
        ax.set_ylabel("test force RMSE vs teacher (meV/Å)")
        ax.legend(loc="best", title="teacher (dashed: all training frames)", fontsize=7, title_fontsize=7)
        ax.set_title(f"{system}: learning curves", fontsize=9)
        return save_figure(figure, output_stem, formats, dpi)


def bec_parity_cells(metrics_files: Mapping[str, Path | str], system: str, output_stem: Path | str, *,
                     prefix: str = "bec", formats: Iterable[str] = FORMATS, dpi: int = DPI) -> list[Path]:
    """Student against reference BEC components of every teacher's student (``metrics.nc`` with the
    parity variables ``<prefix>_*``, by teacher: ``bec`` against the system's reference, ``teacher_bec``
    against each teacher's own), y = x, R² and RMSE in the legend; a note when no cell has them yet."""
    _, title, student_label = BEC_REFERENCES[prefix]
    with style():
        figure = new_figure(4.2, 4.2)
        ax = figure.subplots()
        values = []
        for index, (teacher, path) in enumerate(metrics_files.items()):
            if not Path(path).is_file():
                continue
            with xr.open_dataset(path) as metrics:
                if f"{prefix}_student" not in metrics:
                    continue
                student = metrics[f"{prefix}_student"].values.ravel()
                reference = metrics[f"{prefix}_reference"].values.ravel()
                ax.scatter(reference, student, s=6, alpha=0.5, color=color(index), edgecolors="none", rasterized=True,
                           label=f"{teacher}: R² {float(metrics[f'{prefix}_r2']):.3f}, "
                                 f"RMSE {float(metrics[f'{prefix}_rmse_e']):.3f} e")
            values += [student, reference]
        if values:
            low, high = float(np.min(np.concatenate(values))), float(np.max(np.concatenate(values)))
            ax.plot([low, high], [low, high], color="0.4", linestyle="--", linewidth=0.9, zorder=0)
            ax.legend(loc="upper left", markerscale=2)
        else:
            ax.text(0.5, 0.5, "no cell has BECs yet", transform=ax.transAxes, ha="center")
        ax.set_xlabel(r"reference $Z^*_{i,\alpha\beta}$ (e)" if prefix == "bec"
                      else r"teacher $Z^*_{i,\alpha\beta}$ from its charges (e)")
        ax.set_ylabel(student_label)
        ax.set_title(f"{system}: {title}")
        return save_figure(figure, output_stem, formats, dpi)
