"""The analytic validation teacher (SPC/Fw water with point-charge Ewald electrostatics)."""

from __future__ import annotations

from ..spcfw import SPCFwCalculator
from ..spec import TeacherSpec

#: the library computes on the CPU only: the device setting is not used
CPU_ONLY = True


def load(spec: TeacherSpec, device: str):
    return SPCFwCalculator()
