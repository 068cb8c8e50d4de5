"""CHGNet (``chgnet``): bundled 0.3.0 / 0.2.0 / r2SCAN weights or a local checkpoint."""

from __future__ import annotations

from pathlib import Path

from ..checkpoints import bundled_name, local_checkpoint, verify
from ..spec import TeacherSpec
from . import require


def bundled_checkpoint_path(name: str, spec: TeacherSpec) -> Path:
    """Path of a checkpoint shipped in the chgnet wheel (its ``pretrained/NAME`` folder)."""
    package = require("chgnet", spec)
    files = sorted((Path(package.__file__).parent / "pretrained" / name).glob("*.pth.tar"))
    if len(files) != 1:
        raise ValueError(f"chgnet ships no single checkpoint named {name!r} (teacher {spec.id!r})")
    return files[0]


def load(spec: TeacherSpec, device: str):
    model_module = require("chgnet.model", spec)
    dynamics = require("chgnet.model.dynamics", spec)
    name = bundled_name(spec)
    if name is not None:
        verify(bundled_checkpoint_path(name, spec), spec)
        model = model_module.CHGNet.load(model_name=name, use_device=device, verbose=False)
    else:
        model = model_module.CHGNet.from_file(str(local_checkpoint(spec)))
    return dynamics.CHGNetCalculator(model=model, use_device=device)
