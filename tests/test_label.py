"""Labelling frames with a teacher: values, split, extxyz export, resume after an interruption."""

from __future__ import annotations

import ase.io
import numpy as np
import pytest

from lesdistill import label as label_module
from lesdistill.chunked_output import partial_path, progress_path
from lesdistill.cli import main
from lesdistill.label import split_assignment
from lesdistill.md import read_trajectory
from lesdistill.teachers import SPCFwCalculator, resolve

from .helpers import write_perturbed_waters


@pytest.fixture
def frames_file(tmp_path):
    """12 perturbed 8-molecule water boxes in one extxyz file."""
    return write_perturbed_waters(tmp_path / "frames.extxyz", 12, seed=0, scale=0.03, box_seed=2)


def test_labels_equal_the_teacher_and_the_split_is_reproducible(frames_file, tmp_path, capsys):
    output, extxyz = tmp_path / "labels.nc", tmp_path / "labels.extxyz"
    assert main(["label", str(frames_file), "--teacher", "spcfw", "--stride", "2", "--test-fraction", "0.34",
                 "--validation-fraction", "0.17", "-o", str(output), "--extxyz", str(extxyz)]) == 0
    assert "6 frames labelled by spcfw (3 train, 1 validation, 2 test)" in capsys.readouterr().out
    data = read_trajectory(output)
    assert list(data.step.values) == [0, 2, 4, 6, 8, 10]
    source = ase.io.read(frames_file, index=":")
    for i, index in enumerate(data.step.values):
        atoms = source[int(index)]
        atoms.calc = SPCFwCalculator()
        assert float(data.energy[i]) == pytest.approx(atoms.get_potential_energy(), rel=1e-12)
        assert np.allclose(data.forces.values[i], atoms.get_forces(), atol=1e-10)
        assert np.allclose(data.stress.values[i], atoms.get_stress(voigt=False), atol=1e-12)
        assert np.allclose(data.teacher_charges.values[i], np.tile([-0.82, 0.41, 0.41], 8))
    assert list(data.split.values) == list(split_assignment(6, 0.17, 0.34, seed=0))
    exported = ase.io.read(extxyz, index=":")
    assert [a.info["split"] for a in exported].count("test") == 2
    assert exported[0].get_potential_energy() == pytest.approx(float(data.energy[0]))
    assert np.allclose(exported[0].get_charges(), data.teacher_charges.values[0])


def test_xtb_mulliken_charges_are_stored(frames_file, tmp_path):
    output = tmp_path / "labels.nc"
    assert main(["label", str(frames_file), "--teacher", "gfn1-xtb", "--max-frames", "2", "--test-fraction", "0",
                 "--validation-fraction", "0", "-o", str(output)]) == 0
    charges = read_trajectory(output).teacher_charges.values
    assert charges.shape == (2, 24) and charges.std() > 0.1
    assert np.abs(charges.sum(axis=1)).max() < 1e-6  # neutral box
    assert (charges[:, 0::3] < 0).all() and (charges[:, 1::3] > 0).all()  # O negative, H positive


def test_split_assignment_is_seeded_and_validated():
    codes = split_assignment(100, 0.05, 0.1, seed=3)
    assert np.bincount(codes).tolist() == [85, 5, 10]
    assert (codes == split_assignment(100, 0.05, 0.1, seed=3)).all()
    assert not (codes == split_assignment(100, 0.05, 0.1, seed=4)).all()
    with pytest.raises(ValueError, match="leave none"):
        split_assignment(4, 0.5, 0.5, seed=0)


class FlakyTeacher(SPCFwCalculator):
    """SPC/Fw that dies (like a killed job) after a number of evaluations."""

    def __init__(self, fail_after: int):
        super().__init__()
        self.remaining = fail_after

    def calculate(self, *args, **kwargs):
        if self.remaining == 0:
            raise KeyboardInterrupt("killed")
        self.remaining -= 1
        super().calculate(*args, **kwargs)


def test_interrupted_labelling_resumes_without_duplicates(frames_file, tmp_path, monkeypatch):
    spec = resolve("spcfw")
    reference = label_module.label_frames(frames_file, spec, tmp_path / "reference.nc", chunk=3)
    output = tmp_path / "labels.nc"
    monkeypatch.setattr(label_module, "load_teacher", lambda spec, device: FlakyTeacher(fail_after=7))
    with pytest.raises(KeyboardInterrupt):
        label_module.label_frames(frames_file, spec, output, chunk=3)
    partial = partial_path(output)
    assert partial.exists() and not output.exists()
    assert read_trajectory(partial).sizes["frame"] == 6  # two complete chunks of 3
    monkeypatch.setattr(label_module, "load_teacher", lambda spec, device: SPCFwCalculator())
    label_module.label_frames(frames_file, spec, output, chunk=3)
    resumed, expected = read_trajectory(output), read_trajectory(reference)
    assert list(resumed.step.values) == list(range(12))
    assert np.array_equal(resumed.energy.values, expected.energy.values)
    assert np.array_equal(resumed.forces.values, expected.forces.values)
    assert np.array_equal(resumed.split.values, expected.split.values)
    assert not partial.exists() and not progress_path(output).exists()


def test_a_different_request_does_not_overwrite_partial_work(frames_file, tmp_path, monkeypatch):
    spec = resolve("spcfw")
    output = tmp_path / "labels.nc"
    monkeypatch.setattr(label_module, "load_teacher", lambda spec, device: FlakyTeacher(fail_after=4))
    with pytest.raises(KeyboardInterrupt):
        label_module.label_frames(frames_file, spec, output, chunk=2)
    before = partial_path(output).read_bytes()
    with pytest.raises(ValueError, match="stride differ"):
        label_module.label_frames(frames_file, spec, output, chunk=2, stride=2)
    assert partial_path(output).read_bytes() == before


def test_bad_input_is_named(tmp_path, capsys):
    assert main(["label", str(tmp_path / "none.extxyz"), "--teacher", "spcfw", "-o", str(tmp_path / "x.nc")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["label", str(tmp_path / "none.extxyz"), "--teacher", "nope", "-o", str(tmp_path / "x.nc")]) == 2
    assert "unknown teacher 'nope'" in capsys.readouterr().err
