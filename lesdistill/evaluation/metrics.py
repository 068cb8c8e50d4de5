"""A cell's ``metrics.nc`` and ``metrics.json``: its student's errors against each reference data set.

Layout of metrics.nc: dimension ``reference`` (``teacher``: the teacher's test labels; ``dft``: the
DFT test frames, after fine-tuning) and ``element``; one variable per quantity of
:class:`~lesdistill.evaluation.errors.ErrorMetrics` (units in its name and ``units`` attribute), the
per-element force errors over (reference, element). With a BEC reference: the per-atom tensors
``bec_student`` and ``bec_reference`` (bec_atom, xyz, xyz_; e, √ε∞ applied), ``bec_atomic_number``, the
parity scalars ``bec_r2``, ``bec_rmse_e``, … and the per-element isotropic means
``bec_iso_mean_student_e`` / ``bec_iso_mean_reference_e`` (bec_element). With the teacher's own BECs
(:mod:`lesdistill.teacher_bec`) the same variables prefixed ``teacher_bec_`` (ε∞ = 1: LES BECs against the
teacher's unscreened charges). metrics.json holds the same numbers (not the per-atom tensors) by
reference, ``bec_parity`` and ``teacher_bec_parity``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import xarray as xr

from ..io.atomic import atomic_path, write_text
from .bec_parity import BecComparison
from .errors import ErrorMetrics

PER_ELEMENT = ("forces_rmse_element_mev_a", "forces_mae_element_mev_a")
UNITS = {"mev_atom": "meV/atom", "mev_a": "meV/Å", "mev_a3": "meV/Å^3"}


def _unit(name: str) -> str:
    return next((unit for suffix, unit in UNITS.items() if name.endswith(suffix)), "1")


def bec_variables(comparison: BecComparison, prefix: str = "bec") -> xr.Dataset:
    """The BEC parity of ``comparison`` as variables of metrics.nc, names and dims starting with ``prefix``."""
    parity = comparison.parity
    elements = sorted(parity.iso_mean_student_e)
    atom, element = f"{prefix}_atom", f"{prefix}_element"
    scalars = {f"{prefix}_{item.name}": ((), getattr(parity, item.name), {"units": "e"} if item.name.endswith("_e") else {})
               for item in dataclasses.fields(parity) if not isinstance(getattr(parity, item.name), dict)}
    return xr.Dataset({
        **scalars,
        f"{prefix}_student": ((atom, "xyz", "xyz_"), comparison.student,
                              {"units": "e", "epsilon_inf": comparison.epsilon_inf}),
        f"{prefix}_reference": ((atom, "xyz", "xyz_"), comparison.reference, {"units": "e"}),
        f"{prefix}_atomic_number": (atom, comparison.numbers.astype(int)),
        f"{prefix}_iso_mean_student_e": (element, [parity.iso_mean_student_e[e] for e in elements], {"units": "e"}),
        f"{prefix}_iso_mean_reference_e": (element, [parity.iso_mean_reference_e[e] for e in elements], {"units": "e"}),
    }, coords={element: elements}, attrs={f"{prefix}_epsilon_inf": comparison.epsilon_inf})


def metrics_dataset(metrics: dict[str, ErrorMetrics], student: str, bec: BecComparison | None = None,
                    device: str = "cpu", teacher_bec: BecComparison | None = None) -> xr.Dataset:
    """The metrics of each reference (``teacher``, ``dft``), and the BEC parities when given, as one dataset."""
    references = list(metrics)
    elements = sorted({e for m in metrics.values() for e in m.forces_rmse_element_mev_a})
    variables = {}
    for item in dataclasses.fields(ErrorMetrics):
        name = item.name
        if name in PER_ELEMENT:
            values = [[getattr(metrics[r], name).get(e, math.nan) for e in elements] for r in references]
            variables[name] = (("reference", "element"), np.array(values, dtype=float), {"units": _unit(name)})
        elif name == "split":
            variables[name] = ("reference", np.array([metrics[r].split for r in references], dtype=object))
        else:
            values = np.array([getattr(metrics[r], name) for r in references])
            variables[name] = ("reference", values, {"units": _unit(name)} if name != "n_frames" else {})
    dataset = xr.Dataset(variables, coords={"reference": references, "element": elements},
                         attrs={"student": student, "device": device, "energy_offset": "energy_*_mev_atom: as predicted; "
                             "energy_*_offset_removed_mev_atom: after removing energy_offset_mev_atom, the mean "
                             "per-atom difference student - reference"})
    parts = [bec_variables(c, prefix) for c, prefix in ((bec, "bec"), (teacher_bec, "teacher_bec")) if c is not None]
    return xr.merge([dataset, *parts], combine_attrs="no_conflicts")


def write_metrics(metrics: dict[str, ErrorMetrics], student: str, output: Path | str,
                  bec: BecComparison | None = None, device: str = "cpu",
                  teacher_bec: BecComparison | None = None) -> tuple[Path, Path]:
    """metrics.nc at ``output`` and metrics.json next to it (``device``: the resolved device), each atomic."""
    output = Path(output)
    with atomic_path(output) as tmp:
        metrics_dataset(metrics, student, bec, device, teacher_bec).to_netcdf(tmp, engine="netcdf4")
    document = {"student": student, "device": device, "energy_offset_removed": "only in the energy_*_offset_removed_* values",
                "references": {r: dataclasses.asdict(m) for r, m in metrics.items()}}
    for key, comparison in (("bec_parity", bec), ("teacher_bec_parity", teacher_bec)):
        if comparison is not None:
            document[key] = {"epsilon_inf": comparison.epsilon_inf, **dataclasses.asdict(comparison.parity)}
    summary = output.with_suffix(".json")
    write_text(summary, json.dumps(document, indent=2, allow_nan=True) + "\n")
    return output, summary
