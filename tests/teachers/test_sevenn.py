"""SevenNet (its own stack): the wheel's 7net-0, 7net-l3i5 and 7net-mf-0 through the adapter; forces =
−∂E/∂r; a CLI label run."""

from __future__ import annotations

import pytest

from .common import assert_forces_are_minus_gradient, assert_runs, label_two_frames, loaded, water_box

pytest.importorskip("sevenn")
pytestmark = pytest.mark.teachers


@pytest.mark.parametrize("teacher", ["sevennet-0", "sevennet-l3i5", "sevennet-mf-0-pbe", "sevennet-mf-0-r2scan"])
def test_bundled_models_run_with_stress(teacher):
    assert_runs(water_box(), loaded(teacher), stress=True)


def test_forces_are_minus_the_energy_gradient():
    assert_forces_are_minus_gradient(water_box(), loaded("sevennet-0"), h=1e-2, rtol=1e-2)  # float32 model


def test_label_two_frames_through_the_cli(tmp_path):
    assert "stress" in label_two_frames("sevennet-0", tmp_path)
