"""The campaign summary: one row per cell (teacher × system, and each fine-tuning variant of it) from
whatever the cell's chain produced.

A row holds the teacher's metadata (level of theory, training set, architecture family), the status
of the chain (``complete``, or the first stage without output and the last line of its log), the
student's test errors against its teacher and the DFT set (``metrics.json``), the BEC parity against
the system's reference, the band positions and shifts against experiment and the spectral distances
from measured spectra (``ir.nc``) and the student
MD speed-up over its teacher's MD (seconds per MD step of ``sample.nc`` over ``md.nc``, where the
teacher sampled this system itself). Values a cell did not produce are empty. Rows are grouped by
system, level of theory and architecture family.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from ..io.atomic import write_text
from ..md.reader import read_trajectory

#: The stages of a cell's chain with the file each leaves in the cell's folder, in order.
CHAIN = (("relax", "relaxed.extxyz"), ("label", "labels.nc"), ("train", "student.pt"), ("evaluate", "metrics.nc"),
         ("student_md", "md.nc"), ("response", "response.nc"), ("ir", "ir.nc"))
#: The chain of a fine-tuning variant, in ``finetune-<name>/`` (its student from the distilled one).
VARIANT_CHAIN = (("finetune", "student.pt"), ("evaluate", "metrics.nc"), ("student_md", "md.nc"),
                 ("response", "response.nc"), ("ir", "ir.nc"))
#: The chain of the direct-fit baseline, in ``results/dft-direct/{system}/``.
DIRECT_FIT_CHAIN = (("direct_fit", "student.pt"), ("evaluate", "metrics.nc"))
DIRECT_FIT = "dft-direct"
FIXED_COLUMNS = ("system", "teacher", "student", "level_of_theory", "training_set", "family", "status",
                 "test_forces_rmse_mev_a", "test_energy_rmse_mev_atom", "dft_forces_rmse_mev_a",
                 "dft_energy_rmse_offset_removed_mev_atom", "bec_r2", "bec_rmse_e", "teacher_bec_r2",
                 "teacher_bec_rmse_e", "md_speedup")


@dataclass(frozen=True)
class CellInfo:
    """One cell: its teacher's catalog fields and the MD steps of the teacher's and the student's runs."""

    teacher: str
    system: str
    level_of_theory: str
    training_set: str
    family: str
    teacher_md_steps: int
    student_md_steps: int
    variant: str | None = None

    @property
    def student(self) -> str:
        """``distilled``, ``finetune-<variant>`` or, for the teacher ``dft-direct``, ``direct-fit``."""
        if self.teacher == DIRECT_FIT:
            return "direct-fit"
        return "distilled" if self.variant is None else f"finetune-{self.variant}"


def last_log_line(path: Path) -> str:
    """The last non-empty line of a log (``no log`` when there is none)."""
    if not path.is_file():
        return "no log"
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "empty log"


def stage_log(logs: Path, stage: str, info: CellInfo, shared: bool) -> Path:
    """The log of ``stage`` of a cell (``shared``: a stage of the distilled cell that a variant builds on)."""
    folder = logs / stage / info.teacher
    if info.variant is None or shared:
        return folder / f"{info.system}.log"
    return folder / info.system / (f"{info.variant}.log" if stage == "finetune" else f"finetune-{info.variant}.log")


def chain_status(cell: Path, logs: Path, info: CellInfo) -> str:
    """``complete``, or the first stage of the chain whose output is missing and why (its log's last line)."""
    if info.teacher == DIRECT_FIT:
        stages = [(stage, cell / name, False) for stage, name in DIRECT_FIT_CHAIN]
    elif info.variant is None:
        stages = [(stage, cell / name, False) for stage, name in CHAIN]
    else:
        stages = ([(stage, cell.parent / name, True) for stage, name in CHAIN[:2]]
                  + [(stage, cell / name, False) for stage, name in VARIANT_CHAIN])
    for stage, path, shared in stages:
        if not path.is_file():
            log = stage_log(logs, stage, info, shared)
            return f"no {path.name}: {stage} did not finish ({log}: {last_log_line(log)})"
    return "complete"


def seconds_per_step(trajectory: Path, steps: int) -> float:
    """Wall time of a finished MD run per MD step (NaN when unknown)."""
    if not trajectory.is_file() or steps <= 0:
        return math.nan
    wall = float(read_trajectory(trajectory).attrs.get("wall_time_s", 0.0))
    return wall / steps if wall > 0 else math.nan


def cell_row(info: CellInfo, results: Path, logs: Path) -> dict[str, object]:
    """The summary row of one cell from the files it has."""
    cell = results / info.teacher / info.system / ("" if info.variant is None else info.student)
    row: dict[str, object] = {"system": info.system, "teacher": info.teacher, "student": info.student,
                              "level_of_theory": info.level_of_theory, "training_set": info.training_set,
                              "family": info.family, "status": chain_status(cell, logs, info)}
    metrics = cell / "metrics.json"
    if metrics.is_file():
        document = json.loads(metrics.read_text())
        teacher = document["references"].get("teacher", {})
        dft = document["references"].get("dft", {})
        row.update(test_forces_rmse_mev_a=teacher.get("forces_rmse_mev_a"),
                   test_energy_rmse_mev_atom=teacher.get("energy_rmse_mev_atom"),
                   dft_forces_rmse_mev_a=dft.get("forces_rmse_mev_a"),
                   dft_energy_rmse_offset_removed_mev_atom=dft.get("energy_rmse_offset_removed_mev_atom"))
        for prefix in ("bec", "teacher_bec"):
            if f"{prefix}_parity" in document:
                parity = document[f"{prefix}_parity"]
                row.update({f"{prefix}_r2": parity["r2"], f"{prefix}_rmse_e": parity["rmse_e"]})
    if (cell / "ir.nc").is_file():
        with xr.open_dataset(cell / "ir.nc") as ir:
            for index, band in enumerate(ir.band.values):
                row[f"{band}_cm1"] = float(ir.peak_position[index])
                if "peak_shift" in ir:
                    row[f"{band}_shift_cm1"] = float(ir.peak_shift[index])
            if "spectral_distance" in ir:  # against each measured spectrum (total, groups)
                for name, distance in zip(ir.experiment.values, ir.spectral_distance.values):
                    row[f"spectral_distance_{name}"] = float(distance)
    teacher_time = seconds_per_step(cell / "sample.nc", info.teacher_md_steps)
    student_time = seconds_per_step(cell / "md.nc", info.student_md_steps)
    row["md_speedup"] = teacher_time / student_time if teacher_time > 0 and student_time > 0 else None
    return row


def summary_rows(cells: Iterable[CellInfo], results: Path | str = "results", logs: Path | str = "logs") -> list[dict]:
    """Rows of every cell, grouped by system, level of theory, architecture family, then teacher."""
    rows = [cell_row(info, Path(results), Path(logs)) for info in cells]
    return sorted(rows, key=lambda r: (r["system"], r["level_of_theory"], r["family"], r["teacher"], r["student"]))


def columns(rows: list[Mapping]) -> list[str]:
    """The fixed columns, then the band columns in order of first appearance."""
    extra = [key for row in rows for key in row if key not in FIXED_COLUMNS]
    return list(FIXED_COLUMNS) + list(dict.fromkeys(extra))


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def write_summary(rows: list[dict], csv_path: Path | str, markdown_path: Path | str) -> tuple[Path, Path]:
    """summary.csv (every column) and summary.md (a table per system), written atomically."""
    names = columns(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([[_text(row.get(name)) for name in names] for row in rows])
    lines = ["# Campaign summary", "", "Test errors against each cell's teacher (test frames); BEC against the "
             "system's reference; bands in cm⁻¹ (shift: model − experiment); spectral distance: RMS difference of the "
             "max-normalised computed and measured spectra (0: same shape); MD speed-up: teacher over student "
             "wall time per MD step. Empty: not produced (see status).", ""]
    for system in dict.fromkeys(row["system"] for row in rows):
        part = [row for row in rows if row["system"] == system]
        shown = [n for n in names if n != "system" and any(_text(row.get(n)) for row in part)]
        lines += [f"## {system}", "", "| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
        lines += ["| " + " | ".join(_text(row.get(n)).replace("|", "/") for n in shown) + " |" for row in part]
        lines.append("")
    return write_text(csv_path, buffer.getvalue()), write_text(markdown_path, "\n".join(lines))
