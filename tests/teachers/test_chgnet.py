"""CHGNet (base stack): the wheel's weights through the adapter and a CLI label run."""

from __future__ import annotations

import pytest

from .common import assert_runs, label_two_frames, loaded, water_box

pytest.importorskip("chgnet")
pytestmark = pytest.mark.teachers


def test_both_levels_run_with_stress():
    for teacher in ("chgnet-0.3.0", "chgnet-r2scan"):
        assert_runs(water_box(), loaded(teacher), stress=True)


def test_label_two_frames_through_the_cli(tmp_path):
    assert "stress" in label_two_frames("chgnet-0.3.0", tmp_path)
