"""Orb-v3 (orb-models): random full-size conservative and direct OMol models staged under their catalog
entries, through the adapter: OMol charge/spin, forces = −∂E/∂r for the conservative one, batched labelling, a CLI label run."""

from __future__ import annotations

import numpy as np
import pytest

from .builders import orb_checkpoint
from .common import (assert_forces_are_minus_gradient, assert_runs, assert_same_labels, energy_forces, hcl_molecule,
                     label_batched_and_single, label_two_frames, loaded, omol_info, stage, water_box)

pytest.importorskip("orb_models")
pytestmark = pytest.mark.teachers


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    folder = tmp_path_factory.mktemp("downloads")
    return {"orb-v3-conservative-omol": orb_checkpoint(folder / "orb-v3-conservative-omol-20250820.ckpt", conservative=True),
            "orb-v3-direct-omol": orb_checkpoint(folder / "orb-v3-direct-omol-20250820.ckpt", conservative=False)}


@pytest.fixture
def staged(downloads, tmp_path_factory, monkeypatch):
    root = tmp_path_factory.getbasetemp() / "orb-checkpoints"
    for teacher, path in downloads.items():
        stage(path, teacher, root, monkeypatch)
    return root


@pytest.mark.parametrize("teacher", ["orb-v3-conservative-omol", "orb-v3-direct-omol"])
def test_both_models_run_and_read_charge_and_spin(staged, teacher):
    calculator = loaded(teacher)
    assert_runs(omol_info(water_box(), teacher), calculator, stress=False)
    neutral = energy_forces(omol_info(hcl_molecule(), teacher, 0, 1), calculator)[0]
    cation = energy_forces(omol_info(hcl_molecule(), teacher, 1, 2), calculator)[0]
    assert np.isfinite(neutral) and abs(neutral - cation) > 1e-5


def test_conservative_forces_are_minus_the_energy_gradient(staged):
    teacher = "orb-v3-conservative-omol"
    assert_forces_are_minus_gradient(omol_info(water_box(), teacher), loaded(teacher), h=1e-2, rtol=2e-2)


def test_label_two_frames_through_the_cli(staged, tmp_path):
    data = label_two_frames("orb-v3-direct-omol", tmp_path)
    assert "stress" not in data  # the OMol models give no stress


@pytest.mark.parametrize("teacher", ["orb-v3-conservative-omol", "orb-v3-direct-omol"])
def test_batched_labels_equal_one_at_a_time(staged, teacher, tmp_path):
    """5 frames, batches of 3 in chunks of 4 (partial last batches), cation doublet."""
    single, batched = label_batched_and_single(teacher, tmp_path, batch_size=3, charge=1, spin=2)
    differences = assert_same_labels(single, batched, tolerance=1e-5)  # float32 model
    print(teacher, "batched vs one at a time, max |difference|:", differences)
