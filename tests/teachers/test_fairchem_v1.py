"""fairchem-core 1.10 (GemNet-OC, EquiformerV2; `make test-teachers-v1`): random direct-force models saved
as fairchem v1 checkpoints, staged under the GemNet-OC22 and EquiformerV2-OMat24 entries, through the
adapter (``OCPCalculator``) and a CLI label run in the torch-2.4 environment."""

from __future__ import annotations

import numpy as np
import pytest

from .builders import fairchem_v1_checkpoint
from .common import assert_runs, energy_forces, label_two_frames, loaded, stage, water_box

core = pytest.importorskip("fairchem.core")
if not hasattr(core, "OCPCalculator"):
    pytest.skip("fairchem-core v2 is installed here, not 1.x", allow_module_level=True)
pytestmark = pytest.mark.teachers

TEACHERS = {"gemnet-oc22": ("gnoc_oc22_all_s2ef.pt", "gemnet_oc"), "equiformer-v2-omat24": ("eqV2_86M_omat.pt", "equiformer_v2")}


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    folder = tmp_path_factory.mktemp("downloads")
    return {teacher: fairchem_v1_checkpoint(folder / name, architecture=architecture)
            for teacher, (name, architecture) in TEACHERS.items()}


@pytest.fixture
def staged(downloads, tmp_path_factory, monkeypatch):
    root = tmp_path_factory.getbasetemp() / "v1-checkpoints"
    for teacher, path in downloads.items():
        stage(path, teacher, root, monkeypatch)
    return root


@pytest.mark.parametrize("teacher", sorted(TEACHERS))
def test_direct_force_models_run_and_are_translation_invariant(staged, teacher):
    calculator = loaded(teacher)
    box = water_box()
    energy, forces = assert_runs(box, calculator, stress=False)
    shifted = box.copy()
    shifted.positions += [0.4, -0.7, 1.3]
    energy2, forces2 = energy_forces(shifted, calculator)
    assert energy2 == pytest.approx(energy, abs=1e-3) and np.abs(forces2 - forces).max() < 1e-3


def test_untagged_structures_run_gemnet_quadruplets_and_keep_their_tags(staged):
    """The published GemNet-OC builds quadruplets between atoms tagged 1 or 2 only; an untagged box is
    evaluated as tagged 1 (the same as tagging it 1 by hand), and the caller's atoms keep their tags."""
    calculator = loaded("gemnet-oc22")
    box = water_box()
    energy, _ = energy_forces(box, calculator)
    assert not box.get_tags().any()
    tagged = box.copy()
    tagged.set_tags(1)
    assert energy_forces(tagged, calculator)[0] == pytest.approx(energy, abs=1e-6)


@pytest.mark.parametrize("teacher", sorted(TEACHERS))
def test_label_two_frames_through_the_cli(staged, tmp_path, teacher):
    assert label_two_frames(teacher, tmp_path).sizes["atom"] == 24
