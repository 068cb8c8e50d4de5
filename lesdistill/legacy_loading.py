"""Scoped permission for pickle-based torch loading, needed by e3nn 0.4.4 (mace-torch's pin).

e3nn 0.4.4 loads a constants file with ``torch.load`` at import, which torch ≥ 2.6 refuses unless
TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD is set; mace-torch's full-model checkpoints need the same. The
variable is set only inside :func:`pickle_loading_allowed` and restored afterwards, so every other
load (student files, training checkpoints) stays weights-only.
"""

from __future__ import annotations

import contextlib
import os

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
