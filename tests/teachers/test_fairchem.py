"""fairchem-core v2: random UMA-like (mixture of linear experts, omol/omat/oc20 heads) and eSEN-like
checkpoints staged under the UMA-M and eSEN catalog entries, through the adapter: task heads, OMol
charge/spin, stress, forces = −∂E/∂r, batched labelling, a CLI label run."""

from __future__ import annotations

import numpy as np
import pytest

from .builders import fairchem_checkpoint
from .common import (assert_forces_are_minus_gradient, assert_runs, assert_same_labels, hcl_molecule,
                     label_batched_and_single, label_two_frames, loaded, omol_info, stage, water_box)

core = pytest.importorskip("fairchem.core")
if hasattr(core, "OCPCalculator"):
    pytest.skip("fairchem-core 1.x is installed here, not 2.x (its tests: test_fairchem_v1.py)", allow_module_level=True)
pytestmark = pytest.mark.teachers


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    folder = tmp_path_factory.mktemp("downloads")
    return {"uma-m-omol": fairchem_checkpoint(folder / "uma-m-1p1.pt", experts=4),
            "esen-sm-conserving-omol": fairchem_checkpoint(folder / "esen_sm_conserving_all.pt", experts=0,
                                                           datasets=("omol",))}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("checkpoints")


@pytest.fixture
def staged(downloads, root, monkeypatch):
    for teacher, path in downloads.items():
        stage(path, teacher, root, monkeypatch)  # re-staging the same file is accepted
    return root


def test_uma_task_heads_differ_and_give_stress(staged):
    box = omol_info(water_box(), "uma-m-omol")
    energies = {t: assert_runs(box, loaded(t), stress=True)[0] for t in ("uma-m-omol", "uma-m-omat", "uma-m-oc20")}
    assert len({round(e, 4) for e in energies.values()}) == 3, energies


def test_omol_charge_and_spin_reach_the_model(staged):
    calculator = loaded("uma-m-omol")
    neutral = assert_runs(omol_info(hcl_molecule(), "uma-m-omol", 0, 1), calculator, stress=False)[0]
    cation = assert_runs(omol_info(hcl_molecule(), "uma-m-omol", 1, 2), calculator, stress=False)[0]
    assert abs(neutral - cation) > 1e-4


@pytest.mark.parametrize("teacher", ["uma-m-omat", "esen-sm-conserving-omol"])
def test_forces_are_minus_the_energy_gradient(staged, teacher):
    box = omol_info(water_box(), teacher)
    assert_forces_are_minus_gradient(box, loaded(teacher), h=1e-2, rtol=2e-2)  # float32 model


def test_label_two_frames_through_the_cli(staged, tmp_path):
    assert "stress" in label_two_frames("uma-m-omat", tmp_path)


def test_batched_labels_equal_one_at_a_time_with_charge_and_spin(staged, tmp_path):
    """UMA-like, omol task, cation doublet: 5 frames, batches of 2 in chunks of 4 (partial last batches)."""
    single, batched = label_batched_and_single("uma-m-omol", tmp_path / "cation", charge=1, spin=2)
    differences = assert_same_labels(single, batched, tolerance=1e-5)  # float32 model
    print("uma-m-omol batched vs one at a time, max |difference|:", differences)
    assert "stress" in differences
    neutral, _ = label_batched_and_single("uma-m-omol", tmp_path / "neutral", batch_size=2)
    assert np.abs(neutral.energy.values - batched.energy.values).min() > 1e-4  # charge and spin reached the batch
