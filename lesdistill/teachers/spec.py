"""Teacher specifications: what a foundation model is, where its checkpoint lives, how to load it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ..io.documents import load_mapping

Family = Literal["chgnet", "sevenn", "xtb", "mace", "fairchem", "fairchem_v1", "orb", "pet", "so3lr", "reference",
                 "student"]


class TeacherSpec(BaseModel):
    """One teacher: metadata for tables and figures, and what its adapter needs to load it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="identifier used in paths and configs, e.g. chgnet-0.3.0")
    family: Family = Field(description="adapter that loads it")
    package: str = Field(description="Python package providing the model")
    env: str = Field(description="environment file under envs/ whose stack can load it")
    checkpoint: str | None = Field(
        default=None,
        description="local file (absolute, or relative to the checkpoint root) or bundled:NAME for "
        "weights shipped in the package wheel; None for parameter-free methods",
    )
    sha256: str | None = Field(default=None, description="SHA-256 of the checkpoint file, verified at load")
    model: str | None = Field(default=None, description="model/method name inside the package (xtb method, orb loader)")
    task: str | None = Field(default=None, description="fairchem task: omol, omat, oc20, oc25, odac, omc")
    head: str | None = Field(default=None, description="MACE head of a multi-head model")
    modality: str | None = Field(default=None, description="SevenNet multi-fidelity modality")
    charge_model: bool = Field(False, description="the teacher computes partial charges with its energy (SO3LR, "
                               "GFN-xTB, SPC/Fw): its own BECs are a reference for the students' (teacher_bec)")
    level_of_theory: str = Field(description="reference electronic-structure level, e.g. PBE, ωB97M-V")
    training_set: str
    licence: str
    notes: str = ""

    @property
    def needs_charge_and_spin(self) -> bool:
        """OMol-trained teachers and SO3LR read total charge (and spin multiplicity) from ``atoms.info``."""
        return self.family == "so3lr" or self.task == "omol" or (self.head or "").lower() == "omol" or "omol" in (self.model or "")


def _catalog_text() -> str:
    return resources.files("lesdistill.teachers").joinpath("catalog.yaml").read_text()


def load_catalog(extra: Path | str | None = None) -> dict[str, TeacherSpec]:
    """The shipped teacher catalog, extended or overridden by the entries of an ``extra`` YAML file.

    Both files are a mapping id → fields. Raises ValueError naming the entry and the bad field.
    """
    entries = yaml.safe_load(_catalog_text())
    if extra is not None:
        entries.update(load_mapping(extra, "teacher catalog"))
    catalog = {}
    for teacher_id, fields in entries.items():
        if not isinstance(fields, dict):
            raise ValueError(f"teacher {teacher_id!r} in the catalog must be a mapping of field: value, "
                             f"found {type(fields).__name__}")
        try:
            catalog[teacher_id] = TeacherSpec(id=teacher_id, **fields)
        except Exception as error:
            raise ValueError(f"teacher {teacher_id!r} in the catalog is invalid: {error}") from error
    return catalog
