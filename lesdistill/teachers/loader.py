"""Turn a teacher id or spec into an ASE calculator."""

from __future__ import annotations

import importlib
import pickle

from .spec import TeacherSpec, load_catalog


def resolve(teacher: str | TeacherSpec, catalog: dict[str, TeacherSpec] | None = None) -> TeacherSpec:
    """The spec of ``teacher`` (an id looked up in ``catalog``, default the shipped one, or a spec)."""
    if isinstance(teacher, TeacherSpec):
        return teacher
    catalog = load_catalog() if catalog is None else catalog
    if teacher not in catalog:
        raise ValueError(f"unknown teacher {teacher!r}; known: {', '.join(sorted(catalog))}")
    return catalog[teacher]


def load_teacher(teacher: str | TeacherSpec, device: str = "cpu", catalog: dict[str, TeacherSpec] | None = None):
    """An ASE calculator for ``teacher`` on ``device``, loaded from local files only."""
    spec = resolve(teacher, catalog)
    adapter = importlib.import_module(f"lesdistill.teachers.adapters.{spec.family}")
    try:
        return adapter.load(spec, device)
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
