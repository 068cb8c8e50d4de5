"""The campaign's teachers: ids from the catalog, and per-teacher overrides (checkpoint, environment)."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from ..teachers.spec import TeacherSpec, load_catalog
from .fields import ExistingFile, PathText, Section, Slug

TeacherId = Annotated[Slug, Field(description="teacher id from the catalog (`lesdistill teachers`)")]


@functools.lru_cache(maxsize=8)
def _catalog(extra: str | None, mtime: float | None) -> dict[str, TeacherSpec]:
    return load_catalog(extra)


def teacher_catalog(extra: Path | None = None) -> dict[str, TeacherSpec]:
    """The shipped catalog extended by ``extra`` (cached per file and modification time)."""
    if extra is None:
        return _catalog(None, None)
    extra = Path(extra)
    return _catalog(str(extra), extra.stat().st_mtime if extra.exists() else None)


def unknown_teacher_message(teacher: str, catalog: dict[str, TeacherSpec]) -> str:
    """'unknown teacher id; did you mean …' with close matches, else the known ids."""
    close = difflib.get_close_matches(teacher, list(catalog), n=3, cutoff=0.6)
    if close:
        return f"unknown teacher id; did you mean {', '.join(close)}? (`lesdistill teachers` lists the catalog)"
    return f"unknown teacher id; known: {', '.join(sorted(catalog))}"


class TeacherOverride(Section):
    """Per-teacher overrides of the catalog entry: a local checkpoint file, or where its stack lives."""

    checkpoint: ExistingFile | None = Field(
        None, description="checkpoint file to use instead of the catalog's (absolute or relative to the "
        "working directory); must exist")
    sha256: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$",
                               description="SHA-256 of the override checkpoint, verified at load")
    conda_env: ExistingFile | None = Field(
        None, description="conda environment file of the teacher's stack (e.g. envs/sevenn.yaml); must exist")
    python: PathText | None = Field(
        None, description="Python interpreter of a separate environment that runs this teacher's stages "
        "(e.g. .venv-sevenn/bin/python for SevenNet, whose e3nn conflicts with mace-torch)")

    @model_validator(mode="after")
    def _consistent(self) -> TeacherOverride:
        if self.conda_env is not None and self.python is not None:
            raise PydanticCustomError("override_conflict", "give conda_env or python, not both")
        if self.sha256 is not None and self.checkpoint is None:
            raise PydanticCustomError("override_conflict", "sha256 needs a checkpoint override")
        return self
