"""A cell's ``metrics.nc`` and ``metrics.json``: its student's errors against each reference data set.

Layout of metrics.nc: dimension ``reference`` (``teacher``: the teacher's test labels; ``dft``: the
DFT test frames, after fine-tuning) and ``element``; one variable per quantity of
:class:`~lesdistill.evaluation.errors.ErrorMetrics` (units in its name and ``units`` attribute), the
per-element force errors over (reference, element). metrics.json holds the same numbers by reference.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import xarray as xr

from ..io.atomic import atomic_path, write_text
from .errors import ErrorMetrics

PER_ELEMENT = ("forces_rmse_element_mev_a", "forces_mae_element_mev_a")
UNITS = {"mev_atom": "meV/atom", "mev_a": "meV/Å", "mev_a3": "meV/Å^3"}


def _unit(name: str) -> str:
    return next((unit for suffix, unit in UNITS.items() if name.endswith(suffix)), "1")


def metrics_dataset(metrics: dict[str, ErrorMetrics], student: str) -> xr.Dataset:
    """The metrics of each reference (``teacher``, ``dft``) as one dataset."""
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
    return xr.Dataset(variables, coords={"reference": references, "element": elements},
                      attrs={"student": student, "energy_offset": "energy_*_mev_atom: as predicted; "
                             "energy_*_offset_removed_mev_atom: after removing energy_offset_mev_atom, the mean "
                             "per-atom difference student - reference"})


def write_metrics(metrics: dict[str, ErrorMetrics], student: str, output: Path | str) -> tuple[Path, Path]:
    """metrics.nc at ``output`` and metrics.json next to it, each written atomically."""
    output = Path(output)
    with atomic_path(output) as tmp:
        metrics_dataset(metrics, student).to_netcdf(tmp, engine="netcdf4")
    document = {"student": student, "energy_offset_removed": "only in the energy_*_offset_removed_* values",
                "references": {r: dataclasses.asdict(m) for r, m in metrics.items()}}
    summary = output.with_suffix(".json")
    write_text(summary, json.dumps(document, indent=2, allow_nan=True) + "\n")
    return output, summary
