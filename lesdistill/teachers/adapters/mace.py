"""MACE (``mace-torch``) from a local model file, with head selection for multi-head models.

mace-torch's checkpoints are full pickles (verified by SHA-256 when the catalog gives one), loaded
inside :func:`lesdistill.legacy_loading.pickle_loading_allowed`.
"""

from __future__ import annotations

from ...legacy_loading import pickle_loading_allowed
from ..checkpoints import local_checkpoint
from ..spec import TeacherSpec
from . import require


def load(spec: TeacherSpec, device: str, default_dtype: str = "float64"):
    path = local_checkpoint(spec)
    with pickle_loading_allowed():
        calculators = require("mace.calculators", spec)
        options = {"head": spec.head} if spec.head else {}
        return calculators.MACECalculator(model_paths=str(path), device=device, default_dtype=default_dtype, **options)
