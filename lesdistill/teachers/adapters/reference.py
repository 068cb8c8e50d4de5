"""The analytic validation teacher (SPC/Fw water with point-charge Ewald electrostatics)."""

from __future__ import annotations

from ..spcfw import SPCFwCalculator
from ..spec import TeacherSpec


def load(spec: TeacherSpec, device: str):
    return SPCFwCalculator()
