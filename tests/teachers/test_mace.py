"""MACE (base stack): a random three-head MACE (H, O, Cl) saved with torch.save, staged under the MACE-MH-1 entries,
loaded through the adapter with each head; float64 and float32; stress; forces = −∂E/∂r."""

from __future__ import annotations

import pytest

from .builders import mace_checkpoint
from .common import assert_forces_are_minus_gradient, assert_runs, label_two_frames, loaded, stage, water_box

pytest.importorskip("mace")
pytestmark = pytest.mark.teachers

HEADS = ("omat_pbe", "omol", "matpes_r2scan")  # the heads the catalog's mace-mh-1-* entries select
E0 = {"omat_pbe": (-3.0, -4.0, -2.0), "omol": (-13.6, -2041.0, -12500.0), "matpes_r2scan": (-5.0, -8.0, -3.0)}


@pytest.fixture(scope="module")
def staged_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkpoints")
    download = tmp_path_factory.mktemp("download") / "mace-mh-1.model"
    mace_checkpoint(download, heads=HEADS, atomic_energies=[E0[h] for h in HEADS])
    return root, download


@pytest.fixture
def staged(staged_root, monkeypatch):
    root, download = staged_root
    monkeypatch.setenv("LESDISTILL_CHECKPOINTS", str(root))
    if not (root / "mace" / "mace-mh-1.model").exists():
        stage(download, "mace-mh-1-omol", root, monkeypatch)
    return root


def test_each_head_is_selected_by_its_catalog_entry(staged):
    box = water_box()
    energies = {teacher: assert_runs(box, loaded(teacher), stress=True)[0]
                for teacher in ("mace-mh-1-omat", "mace-mh-1-omol", "mace-mh-1-r2scan")}
    for teacher, head in (("mace-mh-1-omat", "omat_pbe"), ("mace-mh-1-omol", "omol"), ("mace-mh-1-r2scan", "matpes_r2scan")):
        reference = 8 * (E0[head][1] + 2 * E0[head][0])  # E0s dominate an untrained model
        assert energies[teacher] == pytest.approx(reference, abs=0.05 * abs(reference) + 5.0), teacher
    assert len({round(e, 3) for e in energies.values()}) == 3


def test_forces_are_minus_the_energy_gradient_and_dtype_is_honoured(staged):
    calculator = loaded("mace-mh-1-omol")
    assert str(next(calculator.models[0].parameters()).dtype) == "torch.float64"
    assert_forces_are_minus_gradient(water_box(), calculator, h=1e-4, rtol=1e-5)


def test_label_two_frames_through_the_cli(staged, tmp_path):
    data = label_two_frames("mace-mh-1-omol", tmp_path)
    assert "stress" in data and "teacher_charges" not in data
