"""UMA and eSEN through fairchem-core v2 (own environment: torch ~2.8), task chosen in the spec.

Not installable next to torch 2.13 here: written against fairchem's documented API
(``pretrained_mlip.load_predict_unit(path, device=...)`` and ``FAIRChemCalculator(unit, task_name=...)``),
untested on this machine.
"""

from __future__ import annotations

from ..checkpoints import local_checkpoint
from ..spec import TeacherSpec
from . import require


def load(spec: TeacherSpec, device: str):
    if spec.task is None:
        raise ValueError(f"fairchem teacher {spec.id!r} needs a task (omol, omat, oc20, oc25, ...)")
    core = require("fairchem.core", spec)
    unit = core.pretrained_mlip.load_predict_unit(str(local_checkpoint(spec)), device=device)
    return core.FAIRChemCalculator(unit, task_name=spec.task)
