"""GFN1-/GFN2-xTB (tblite, base stack): forces = −∂E/∂r and Mulliken charges stored by a CLI label run."""

from __future__ import annotations

import numpy as np
import pytest

from .common import assert_forces_are_minus_gradient, label_two_frames, loaded, water_box

pytest.importorskip("tblite")
pytestmark = pytest.mark.teachers


def test_gfn2_forces_are_minus_the_energy_gradient():
    assert_forces_are_minus_gradient(water_box(), loaded("gfn2-xtb"), h=1e-3, rtol=2e-3)


def test_label_stores_mulliken_charges(tmp_path):
    data = label_two_frames("gfn2-xtb", tmp_path)
    assert "stress" in data and np.abs(data.teacher_charges.values.sum(axis=1)).max() < 1e-6
