"""Orb-v3 (``orb-models``) from local weights; handles the 0.5 and ≥ 0.6 APIs.

0.5.x: ``pretrained.<loader>(weights_path=..., device=..., precision=..., compile=...)`` returns the
model and the calculator is ``orb_models.forcefield.calculator.ORBCalculator``; ≥ 0.6 returns
(model, adapter) and the calculator moved to ``orb_models.forcefield.inference.calculator``. Loaded
without ``torch.compile`` (about 60 s on the first call on a CPU) and at full float32 matmul precision.
Exercised with random-weight full-size Orb-v3 OMol models (orb-models 0.5.5).
"""

from __future__ import annotations

from ..checkpoints import local_checkpoint
from ..spec import TeacherSpec
from . import require


def load(spec: TeacherSpec, device: str):
    pretrained = require("orb_models.forcefield.pretrained", spec)
    loader = getattr(pretrained, spec.model or "", None)
    if loader is None:
        raise ValueError(f"orb-models has no pretrained loader {spec.model!r} (teacher {spec.id!r})")
    loaded = loader(weights_path=str(local_checkpoint(spec)), device=device, precision="float32-highest",
                    compile=False)
    if isinstance(loaded, tuple):
        model, adapter = loaded
        calculator = require("orb_models.forcefield.inference.calculator", spec)
        return calculator.ORBCalculator(model, adapter, device=device)
    calculator = require("orb_models.forcefield.calculator", spec)
    return calculator.ORBCalculator(loaded, device=device)
