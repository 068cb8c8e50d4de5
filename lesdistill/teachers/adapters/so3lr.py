"""SO3LR (``so3krates-torch``): the pretrained weights shipped in the wheel, with partial charges.

SO3LR adds long-range electrostatics and dispersion to a So3krates network; its calculator reports the
model's partial charges as ``partial_charges``, exposed here also as ASE's ``charges`` (e), so labelling
stores them as ``teacher_charges``. :func:`charges_of_positions` gives them as a torch function of the
positions, for the teacher's Born effective charges by autograd (:mod:`lesdistill.teacher_bec`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import torch

from ..checkpoints import bundled_name, verify
from ..spec import TeacherSpec
from . import require

PRETRAINED_PACKAGE = "so3krates_torch.pretrained.so3lr"


def bundled_checkpoint_path(name: str, spec: TeacherSpec) -> Path:
    """Path of ``NAME.model`` shipped in so3krates-torch's pretrained folder."""
    require(PRETRAINED_PACKAGE, spec)
    path = Path(str(resources.files(PRETRAINED_PACKAGE).joinpath(f"{name}.model")))
    if not path.is_file():
        raise ValueError(f"so3krates-torch ships no model named {name!r} (teacher {spec.id!r})")
    return path


def load(spec: TeacherSpec, device: str):
    name = bundled_name(spec)
    if name != "so3lr":
        raise ValueError(f"teacher {spec.id!r}: only the bundled SO3LR weights (bundled:so3lr) are supported")
    verify(bundled_checkpoint_path(name, spec), spec)
    module = require("so3krates_torch.calculator.so3", spec)

    class SO3LRWithCharges(module.SO3LRCalculator):
        """SO3LR with its partial charges also under ASE's ``charges`` key."""

        def __init__(self, **options):
            super().__init__(**options)
            self.implemented_properties = [*self.implemented_properties, "charges"]

        def calculate(self, atoms=None, properties=None, system_changes=None):
            super().calculate(atoms, properties, system_changes)
            self.results["charges"] = self.results["partial_charges"]

    return SO3LRWithCharges(device=device, compute_stress=True, default_dtype="float64")


def charges_of_positions(calculator, atoms):
    """(positions (N, 3) Å requiring grad, partial charges (N,) e as a function of them): the mean over the
    calculator's models, as its ``charges`` are. Uses the calculator's own graph construction
    (``_atoms_to_batch``, so3krates-torch 0.2), the charge and spin in ``atoms.info`` included."""
    data = calculator._atoms_to_batch(atoms).to_dict()
    positions = data["positions"].requires_grad_(True)
    charges = [model(dict(data), compute_force=False, compute_stress=False)["partial_charges"]
               for model in calculator.models]
    return positions, torch.stack(charges).mean(dim=0)
