"""Base of a builder's parameters: a pydantic model whose fields (types, ranges, defaults, units in the
descriptions) are the one statement of what the builder takes, read by the config, the CLI and the
workflow alike."""

from __future__ import annotations

from ase import Atoms
from pydantic import BaseModel, ConfigDict, Field


class BuilderParameters(BaseModel):
    """Parameters of one system builder; subclasses add fields and implement :meth:`build`."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    seed: int = Field(0, ge=0, description="seed of the structure builder")

    def build(self) -> Atoms:
        """The structure these parameters describe (ASE Atoms, Å), deterministic from ``seed``."""
        raise NotImplementedError

    def expected_atoms(self) -> int | None:
        """Atom count implied by the parameters where that is simple arithmetic, else None."""
        return None
