"""Turn a teacher id or spec into an ASE calculator."""

from __future__ import annotations

import importlib

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
    return adapter.load(spec, device)


def apply_charge_and_spin(atoms, spec: TeacherSpec, charge: int = 0, spin: int = 1):
    """Set ``atoms.info`` charge/spin (defaults 0/1 unless already present) for OMol-trained teachers."""
    if spec.needs_charge_and_spin:
        atoms.info.setdefault("charge", charge)
        atoms.info.setdefault("spin", spin)
    return atoms
