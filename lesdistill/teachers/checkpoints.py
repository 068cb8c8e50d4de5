"""Locating teacher checkpoints on local disk and verifying their SHA-256."""

from __future__ import annotations

import os
from pathlib import Path

from ..io.hashing import sha256_of
from ..progress import note
from .spec import TeacherSpec

BUNDLED = "bundled:"
#: Environment variable naming the folder that relative checkpoint paths are resolved against.
ROOT_VARIABLE = "LESDISTILL_CHECKPOINTS"
#: Families whose checkpoints are pickles: loading one runs whatever code the file holds.
PICKLE_FAMILIES = frozenset({"mace", "chgnet", "sevenn", "fairchem", "fairchem_v1", "orb", "pet"})


def checkpoint_root() -> Path:
    """Folder holding staged checkpoints: $LESDISTILL_CHECKPOINTS or ./checkpoints."""
    return Path(os.environ.get(ROOT_VARIABLE, "checkpoints"))


def bundled_name(spec: TeacherSpec) -> str | None:
    """NAME of a ``bundled:NAME`` checkpoint shipped inside the package wheel, else None."""
    if spec.checkpoint and spec.checkpoint.startswith(BUNDLED):
        return spec.checkpoint[len(BUNDLED):]
    return None


def verify(path: Path, spec: TeacherSpec) -> Path:
    """Check that ``path`` exists and matches ``spec.sha256`` (when given); return it."""
    if not path.is_file():
        raise FileNotFoundError(
            f"checkpoint of teacher {spec.id!r} not found at {path}; stage it there (README, "
            f"'Staging checkpoints') or set ${ROOT_VARIABLE}"
        )
    if spec.sha256 is None:
        if spec.family in PICKLE_FAMILIES:
            note(f"warning: checkpoint {path} of teacher {spec.id!r} has no SHA-256 in the catalog; it is a pickle, "
                 "and loading an unverified pickle runs any code it holds: add its sha256 once you trust the file")
    else:
        actual = sha256_of(path)
        if actual != spec.sha256.lower():
            raise ValueError(
                f"checkpoint {path} of teacher {spec.id!r} has SHA-256 {actual}, the catalog expects "
                f"{spec.sha256}: wrong or corrupted file"
            )
    return path


def local_checkpoint(spec: TeacherSpec) -> Path:
    """The verified local checkpoint file of a teacher whose checkpoint is a path."""
    if spec.checkpoint is None or bundled_name(spec) is not None:
        raise ValueError(f"teacher {spec.id!r} has no local checkpoint file (checkpoint={spec.checkpoint!r})")
    path = Path(spec.checkpoint)
    return verify(path if path.is_absolute() else checkpoint_root() / path, spec)
