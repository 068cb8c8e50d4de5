"""PET models (PET-MAD, PET-OMATPES) from a local checkpoint through ``upet`` (or the older ``pet-mad``).

Written against the packages' documented ``checkpoint_path=`` argument; untested here.
"""

from __future__ import annotations

import importlib

from ..checkpoints import local_checkpoint
from ..spec import TeacherSpec
from . import TeacherUnavailableError, require

CALCULATORS = (("upet.ase", "UPETCalculator"), ("upet.calculator", "UPETCalculator"), ("pet_mad.calculator", "PETMADCalculator"))


def load(spec: TeacherSpec, device: str):
    path = str(local_checkpoint(spec))
    for module, name in CALCULATORS:
        try:
            calculator = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        return calculator(checkpoint_path=path, device=device)
    require("upet", spec)  # raises with the environment to install
    raise TeacherUnavailableError(f"no PET calculator class found for teacher {spec.id!r}")
