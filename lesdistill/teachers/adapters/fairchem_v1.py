"""GemNet-OC and EquiformerV2 through fairchem-core 1.10 (own environment: torch ~2.4, numpy < 2):
``OCPCalculator(checkpoint_path=..., cpu=...)``, exercised with random-weight checkpoints
(``make test-teachers-v1``).

Structures without tags (all 0, as every structure of this project) are evaluated with every atom
tagged 1 (surface): the published GemNet-OC checkpoints build quadruplet interactions only between
atoms tagged 1 or 2 (``qint_tags``), and with none fairchem 1.10 fails on an empty tensor. Tagged
structures are passed on unchanged.
"""

from __future__ import annotations

from ase.calculators.calculator import all_changes

from ..checkpoints import local_checkpoint
from ..spec import TeacherSpec
from . import require

#: the tag given to every atom of an untagged structure
UNTAGGED_TAG = 1


def load(spec: TeacherSpec, device: str):
    core = require("fairchem.core", spec)

    class TaggingOCPCalculator(core.OCPCalculator):
        """OCPCalculator that evaluates an untagged structure with every atom tagged :data:`UNTAGGED_TAG`."""

        def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
            if atoms is None or atoms.get_tags().any():
                return super().calculate(atoms, properties, system_changes)
            tagged = atoms.copy()
            tagged.set_tags(UNTAGGED_TAG)
            super().calculate(tagged, properties, system_changes)
            self.atoms = atoms.copy()  # later calls compare with the caller's structure, not the tagged copy

    return TaggingOCPCalculator(checkpoint_path=str(local_checkpoint(spec)), cpu=device == "cpu")
