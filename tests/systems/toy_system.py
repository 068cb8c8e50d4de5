"""A test-only system registered through ``LESDISTILL_SYSTEM_MODULES=tests.toy_system``: water molecules
on a plain cubic grid (no packing), driven from build-system to the IR figure by the registry test."""

from __future__ import annotations

import numpy as np
from ase import Atoms
from pydantic import Field

from lesdistill.systems.parameters import BuilderParameters
from lesdistill.systems.registry import SystemSpec
from lesdistill.systems.water import water_geometry


class WaterGridParameters(BuilderParameters):
    """Toy: per_side³ H2O on a cubic grid of spacing ``spacing`` Å, all oriented alike."""

    per_side: int = Field(2, gt=0, description="molecules along each cell edge")
    spacing: float = Field(3.1, gt=2.0, description="grid spacing (Å)")

    def build(self) -> Atoms:
        grid = np.stack(np.meshgrid(*[np.arange(self.per_side)] * 3, indexing="ij"), -1).reshape(-1, 1, 3)
        jitter = np.random.default_rng(self.seed).normal(scale=0.05, size=grid.shape)
        positions = (self.spacing * (grid + 0.25) + jitter + water_geometry()).reshape(-1, 3)
        return Atoms("OH2" * self.per_side**3, positions=positions, cell=np.eye(3) * self.spacing * self.per_side,
                     pbc=True)

    def expected_atoms(self) -> int:
        return 3 * self.per_side**3


SYSTEM_SPECS = (SystemSpec("water-grid", "water grid (toy)", WaterGridParameters, reference="water",
                           quality={"max_force_rmse_mev_a": 1.0e6}),)
