"""Locating teacher checkpoints on local disk and verifying their SHA-256."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from ..io.atomic import atomic_path
from ..io.hashing import sha256_of
from ..progress import note
from .spec import TeacherSpec

BUNDLED = "bundled:"
#: Environment variable naming the folder that relative checkpoint paths are resolved against.
ROOT_VARIABLE = "LESDISTILL_CHECKPOINTS"
#: Local catalog in the checkpoint root: staged checkpoint path (relative to the root) → SHA-256.
STAGED_CATALOG = "staged.yaml"
#: Families whose checkpoints are pickles: loading one runs whatever code the file holds.
PICKLE_FAMILIES = frozenset({"mace", "chgnet", "sevenn", "fairchem", "fairchem_v1", "orb", "pet", "so3lr"})


def checkpoint_root() -> Path:
    """Folder holding staged checkpoints: $LESDISTILL_CHECKPOINTS or ./checkpoints."""
    return Path(os.environ.get(ROOT_VARIABLE, "checkpoints"))


def bundled_name(spec: TeacherSpec) -> str | None:
    """NAME of a ``bundled:NAME`` checkpoint shipped inside the package wheel, else None."""
    if spec.checkpoint and spec.checkpoint.startswith(BUNDLED):
        return spec.checkpoint[len(BUNDLED):]
    return None


def staged_hashes(root: Path | None = None) -> dict[str, str]:
    """The local catalog of staged checkpoints (relative path → SHA-256) of ``root`` (default the checkpoint root)."""
    path = (checkpoint_root() if root is None else Path(root)) / STAGED_CATALOG
    return yaml.safe_load(path.read_text()) or {} if path.is_file() else {}


def stage(source: Path, spec: TeacherSpec) -> Path:
    """Copy ``source`` to ``spec``'s relative checkpoint path under the checkpoint root; record its SHA-256.

    Refuses to replace a staged file with different contents (one checkpoint file may serve several ids).
    """
    relative = spec.checkpoint
    if relative is None or bundled_name(spec) is not None or Path(relative).is_absolute():
        raise ValueError(f"teacher {spec.id!r} has no checkpoint path under ${ROOT_VARIABLE} to stage into "
                         f"(checkpoint={relative!r})")
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"checkpoint file {source} does not exist")
    digest = sha256_of(source)
    if spec.sha256 is not None and digest != spec.sha256.lower():
        raise ValueError(f"{source} has SHA-256 {digest}, the catalog entry {spec.id!r} expects {spec.sha256}")
    root = checkpoint_root()
    target = root / relative
    hashes = staged_hashes(root)
    if target.exists():  # staged before, or put there by hand: never replaced by other contents
        present = hashes.get(relative) or sha256_of(target)
        if present != digest:
            raise ValueError(f"{target} already exists with SHA-256 {present}; remove it first to replace it")
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    hashes[relative] = digest
    with atomic_path(root / STAGED_CATALOG) as tmp:
        tmp.write_text(yaml.safe_dump(hashes, sort_keys=True))
    return target


def expected_sha256(path: Path, spec: TeacherSpec) -> str | None:
    """SHA-256 that ``path`` must have: the catalog's, else the one recorded when it was staged, else None."""
    if spec.sha256 is not None:
        return spec.sha256.lower()
    root = checkpoint_root()
    try:
        relative = Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    return staged_hashes(root).get(relative)


def verify(path: Path, spec: TeacherSpec) -> Path:
    """Check that ``path`` exists and matches the catalog's or the staged SHA-256 (when known); return it."""
    if not path.is_file():
        raise FileNotFoundError(
            f"checkpoint of teacher {spec.id!r} not found at {path}; stage it there (`lesdistill teachers "
            f"stage FILE`) or set ${ROOT_VARIABLE}"
        )
    expected = expected_sha256(path, spec)
    if expected is None:
        if spec.family in PICKLE_FAMILIES:
            note(f"warning: checkpoint {path} of teacher {spec.id!r} has no SHA-256 in the catalog or staged record; "
                 "it is a pickle, and loading an unverified pickle runs any code it holds: stage it "
                 "(`lesdistill teachers stage FILE`) or add its sha256 once you trust the file")
    else:
        actual = sha256_of(path)
        if actual != expected:
            raise ValueError(
                f"checkpoint {path} of teacher {spec.id!r} has SHA-256 {actual}, {expected} was expected "
                f"(catalog or staged record): wrong or corrupted file"
            )
    return path


def local_checkpoint(spec: TeacherSpec) -> Path:
    """The verified local checkpoint file of a teacher whose checkpoint is a path."""
    if spec.checkpoint is None or bundled_name(spec) is not None:
        raise ValueError(f"teacher {spec.id!r} has no local checkpoint file (checkpoint={spec.checkpoint!r})")
    path = Path(spec.checkpoint)
    return verify(path if path.is_absolute() else checkpoint_root() / path, spec)
