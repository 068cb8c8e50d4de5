"""One adapter per model family: ``load(spec, device) -> ase.calculators.calculator.Calculator``.

Adapters import their package lazily, so that every family's module imports anywhere; a missing
package raises :class:`TeacherUnavailableError` naming the environment file that provides it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..spec import TeacherSpec


class TeacherUnavailableError(ImportError):
    """The package a teacher needs is not installed in this interpreter."""


def require(module: str, spec: TeacherSpec) -> ModuleType:
    """Import ``module`` for ``spec`` or raise TeacherUnavailableError naming envs/<env>.yaml."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise TeacherUnavailableError(
            f"teacher {spec.id!r} needs the package {spec.package!r} (module {module!r} failed to "
            f"import: {error}); run it in the environment envs/{spec.env}.yaml"
        ) from error
