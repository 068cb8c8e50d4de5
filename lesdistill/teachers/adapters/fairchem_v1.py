"""GemNet-OC and EquiformerV2 through fairchem-core 1.10 (own environment: torch ~2.4, numpy < 2).

Written against fairchem v1's documented ``OCPCalculator(checkpoint_path=..., cpu=...)``; untested here.
"""

from __future__ import annotations

from ..checkpoints import local_checkpoint
from ..spec import TeacherSpec
from . import require


def load(spec: TeacherSpec, device: str):
    core = require("fairchem.core", spec)
    return core.OCPCalculator(checkpoint_path=str(local_checkpoint(spec)), cpu=device == "cpu")
