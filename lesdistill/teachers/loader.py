"""Turn a teacher id or spec into an ASE calculator."""

from __future__ import annotations

import importlib
import pickle
from types import ModuleType

from ..device import check_device, resolve_device
from ..progress import note
from .spec import TeacherSpec, load_catalog


def resolve(teacher: str | TeacherSpec, catalog: dict[str, TeacherSpec] | None = None) -> TeacherSpec:
    """The spec of ``teacher`` (an id looked up in ``catalog``, default the shipped one, or a spec)."""
    if isinstance(teacher, TeacherSpec):
        return teacher
    catalog = load_catalog() if catalog is None else catalog
    if teacher not in catalog:
        raise ValueError(f"unknown teacher {teacher!r}; known: {', '.join(sorted(catalog))}")
    return catalog[teacher]


def adapter_of(spec: TeacherSpec) -> ModuleType:
    """The adapter module of the teacher's family (imports no model package)."""
    return importlib.import_module(f"lesdistill.teachers.adapters.{spec.family}")


def runs_on_cpu_only(spec: TeacherSpec) -> bool:
    """Whether the teacher's library computes on the CPU only (its adapter sets ``CPU_ONLY``)."""
    return getattr(adapter_of(spec), "CPU_ONLY", False)


def teacher_device(spec: TeacherSpec, setting: str = "auto") -> str:
    """The device the teacher runs on for the device ``setting``: the resolved setting (e.g. ``cuda:0``),
    or ``cpu`` for CPU-only libraries (tblite, SPC/Fw), said on stderr when a GPU was asked for."""
    if runs_on_cpu_only(spec):
        if check_device(setting) not in ("auto", "cpu"):
            note(f"teacher {spec.id!r} ({spec.package}) runs on the CPU only; using cpu instead of {setting}")
        return "cpu"
    return str(resolve_device(setting))


def load_teacher(teacher: str | TeacherSpec, device: str = "auto", catalog: dict[str, TeacherSpec] | None = None):
    """An ASE calculator for ``teacher`` on ``device`` (see :func:`teacher_device`), from local files only."""
    spec = resolve(teacher, catalog)
    try:
        return adapter_of(spec).load(spec, teacher_device(spec, device))
    except (pickle.UnpicklingError, EOFError, RuntimeError, AttributeError) as error:
        problem = " ".join(str(error).split())[:300] or type(error).__name__
        raise ValueError(f"cannot load the checkpoint of teacher {spec.id!r} (corrupted or not a "
                         f"{spec.family} model): {problem}") from error


def apply_charge_and_spin(atoms, spec: TeacherSpec, charge: int = 0, spin: int = 1):
    """Set ``atoms.info`` charge/spin (defaults 0/1 unless already present) for OMol-trained teachers."""
    if spec.needs_charge_and_spin:
        atoms.info.setdefault("charge", charge)
        atoms.info.setdefault("spin", spin)
    return atoms
