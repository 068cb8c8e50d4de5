"""SevenNet (``sevenn``, e3nn ≥ 0.5: its own environment): bundled names or a local checkpoint."""

from __future__ import annotations

from pathlib import Path

from ..checkpoints import bundled_name, local_checkpoint, verify
from ..spec import TeacherSpec
from . import require


def load(spec: TeacherSpec, device: str):
    calculator = require("sevenn.calculator", spec)
    name = bundled_name(spec)
    if name is not None:
        verify(Path(require("sevenn.util", spec).pretrained_name_to_path(name)), spec)
    model = name if name is not None else str(local_checkpoint(spec))
    options = {"modal": spec.modality} if spec.modality else {}
    return calculator.SevenNetCalculator(model=model, device=device, **options)
