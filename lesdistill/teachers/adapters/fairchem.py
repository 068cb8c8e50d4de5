"""UMA and eSEN through fairchem-core v2 (own environment: 2.22+ pins torch ~= 2.13), task chosen in the spec.

``pretrained_mlip.load_predict_unit(path, inference_settings="batch", device=...)`` then
``FAIRChemCalculator(unit, task_name=...)``. The "batch" settings keep full FP32 and skip
``torch.compile`` (fairchem's default compiles on the first call, 23-114 s on a CPU, and uses TF32
or merged experts on GPUs); exercised with random-weight UMA- and eSEN-like checkpoints.
"""

from __future__ import annotations

from ..checkpoints import local_checkpoint
from ..spec import TeacherSpec
from . import require

INFERENCE_SETTINGS = "batch"


def load(spec: TeacherSpec, device: str):
    if spec.task is None:
        raise ValueError(f"fairchem teacher {spec.id!r} needs a task (omol, omat, oc20, oc25, ...)")
    core = require("fairchem.core", spec)
    unit = core.pretrained_mlip.load_predict_unit(str(local_checkpoint(spec)), inference_settings=INFERENCE_SETTINGS,
                                                  device=device)
    return core.FAIRChemCalculator(unit, task_name=spec.task)
