"""PET (upet / metatrain): a random PET saved as a metatrain checkpoint, staged under the PET-MAD entry,
through the adapter (``UPETCalculator``): stress, forces = −∂E/∂r, a CLI label run."""

from __future__ import annotations

import pytest

from .builders import pet_checkpoint
from .common import assert_forces_are_minus_gradient, assert_runs, label_two_frames, loaded, stage, water_box

pytest.importorskip("upet")
pytestmark = pytest.mark.teachers


@pytest.fixture(scope="module")
def download(tmp_path_factory):
    return pet_checkpoint(tmp_path_factory.mktemp("downloads") / "pet-mad-s-v1.0.2.ckpt")


@pytest.fixture
def staged(download, tmp_path_factory, monkeypatch):
    root = tmp_path_factory.getbasetemp() / "pet-checkpoints"
    stage(download, "pet-mad", root, monkeypatch)
    return root


def test_energy_forces_and_stress(staged):
    energy, _ = assert_runs(water_box(), loaded("pet-mad"), stress=True)
    assert energy != 0.0


def test_forces_are_minus_the_energy_gradient(staged):
    assert_forces_are_minus_gradient(water_box(), loaded("pet-mad"), h=1e-2, rtol=2e-2)


def test_label_two_frames_through_the_cli(staged, tmp_path):
    assert "stress" in label_two_frames("pet-mad", tmp_path)
