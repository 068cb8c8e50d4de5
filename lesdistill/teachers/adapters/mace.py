"""MACE (``mace-torch``) from a local model file, with head selection for multi-head models.

mace-torch's checkpoints are full pickles and e3nn 0.4.4 needs TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD
while it imports; the variable is set only around the import and the load (checkpoint verified by
SHA-256 when the catalog gives one) and restored afterwards, so every other torch.load stays
weights-only.
"""

from __future__ import annotations

import contextlib
import os

from ..checkpoints import local_checkpoint
from ..spec import TeacherSpec
from . import require

UNSAFE_LOAD_VARIABLE = "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"


@contextlib.contextmanager
def pickle_loading_allowed():
    """Set TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 inside the block; restore the previous state after."""
    previous = os.environ.get(UNSAFE_LOAD_VARIABLE)
    os.environ[UNSAFE_LOAD_VARIABLE] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(UNSAFE_LOAD_VARIABLE, None)
        else:
            os.environ[UNSAFE_LOAD_VARIABLE] = previous


def load(spec: TeacherSpec, device: str, default_dtype: str = "float64"):
    path = local_checkpoint(spec)
    with pickle_loading_allowed():
        calculators = require("mace.calculators", spec)
        options = {"head": spec.head} if spec.head else {}
        return calculators.MACECalculator(model_paths=str(path), device=device, default_dtype=default_dtype, **options)
