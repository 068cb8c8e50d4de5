"""Teacher registry: foundation models (and reference force fields) as ASE calculators from local files."""

from .adapters import TeacherUnavailableError
from .loader import apply_charge_and_spin, load_teacher, resolve, runs_on_cpu_only, teacher_device
from .spcfw import SPCFwCalculator
from .spec import TeacherSpec, load_catalog

__all__ = [
    "SPCFwCalculator",
    "TeacherSpec",
    "TeacherUnavailableError",
    "apply_charge_and_spin",
    "load_catalog",
    "load_teacher",
    "resolve",
    "runs_on_cpu_only",
    "teacher_device",
]
