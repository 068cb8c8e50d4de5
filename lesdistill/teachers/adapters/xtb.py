"""GFN1-/GFN2-xTB through tblite (parameters compiled in, periodic cells supported)."""

from __future__ import annotations

from ..spec import TeacherSpec
from . import require

#: the library computes on the CPU only: the device setting is not used
CPU_ONLY = True


def load(spec: TeacherSpec, device: str):
    ase_module = require("tblite.ase", spec)
    return ase_module.TBLite(method=spec.model, verbosity=0)
