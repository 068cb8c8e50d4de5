"""GFN1-/GFN2-xTB through tblite (parameters compiled in, periodic cells supported)."""

from __future__ import annotations

from ..spec import TeacherSpec
from . import require

#: the library computes on the CPU only: the device setting is not used
CPU_ONLY = True


def load(spec: TeacherSpec, device: str):
    ase_module = require("tblite.ase", spec)
    return ase_module.TBLite(method=spec.model, verbosity=0)


def for_charge_derivatives(calculator):
    """The calculator with its SCF converged 100× tighter (tblite ``accuracy`` 0.01): finite differences
    of its Mulliken charges need it (at the default, SCF noise leaves ~4e-3 e in the sum rule Σ_i Z*_i = 0
    of a water molecule; at 0.01, 1e-5 e)."""
    calculator.set(accuracy=0.01)
    return calculator
