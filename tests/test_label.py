"""Labelling frames with a teacher: values, split, extxyz export, resume after an interruption."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import ase.io
import numpy as np
import pytest
import xarray as xr

from lesdistill import label as label_module
from lesdistill.chunked_output import partial_path, progress_path
from lesdistill.cli import main
from lesdistill.label import split_assignment
from lesdistill.md import read_trajectory, to_atoms
from lesdistill.teachers import SPCFwCalculator, load_catalog, resolve

from .helpers import write_mixed_waters, write_perturbed_waters


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


def label_until_killed(source: Path, output: Path, monkeypatch, fail_after: int = 7) -> Path:
    """Label ``source`` with SPC/Fw in chunks of 3 into ``output`` until the teacher dies after ``fail_after``
    frames; a healthy SPC/Fw is then the teacher again. Returns an uninterrupted run's labels."""
    reference = label_module.label_frames(source, resolve("spcfw"), output.with_name("reference.nc"), chunk=3)
    monkeypatch.setattr(label_module, "load_teacher", lambda spec, device: FlakyTeacher(fail_after=fail_after))
    with pytest.raises(KeyboardInterrupt):
        label_module.label_frames(source, resolve("spcfw"), output, chunk=3)
    monkeypatch.setattr(label_module, "load_teacher", lambda spec, device: SPCFwCalculator())
    return reference


def test_interrupted_labelling_resumes_without_duplicates(frames_file, tmp_path, monkeypatch):
    spec = resolve("spcfw")
    output = tmp_path / "labels.nc"
    reference = label_until_killed(frames_file, output, monkeypatch)
    partial = partial_path(output)
    assert partial.exists() and not output.exists()
    assert read_trajectory(partial).sizes["frame"] == 6  # two complete chunks of 3
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


# --- batched labelling ----------------------------------------------------------------------------

def _student_catalog(tmp_path) -> Path:
    """A catalog extension naming a random float64 CACE-LES student as a labeller (family student)."""
    import torch

    from lesdistill.models.student import Student, save_student

    torch.manual_seed(2)
    model = {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 3.5, "n_radial": 4,
                                                     "n_embed": 2, "n_channels": 4, "l_max": 2, "nu_max": 2}}
    student = save_student(Student(**model).double(), tmp_path / "student.pt")
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(f"test-student: {{family: student, package: lesdistill, env: base, checkpoint: {student}, "
                       "level_of_theory: student, training_set: none, licence: BSD-3-Clause}\n")
    return catalog


def _label(frames_file, output, *options) -> xr.Dataset:
    assert main(["label", str(frames_file), "--max-frames", "7", "--test-fraction", "0.15", "--validation-fraction",
                 "0.15", "--device", "cpu", "--chunk", "4", *options, "-o", str(output)]) == 0
    return read_trajectory(output)


@pytest.mark.parametrize("teacher, tolerance", [("chgnet-0.3.0", 1e-5), ("test-student", 1e-10)])
def test_batched_labels_equal_one_at_a_time(frames_file, tmp_path, capsys, teacher, tolerance):
    catalog = ["--catalog", str(_student_catalog(tmp_path))] if teacher == "test-student" else []
    single = _label(frames_file, tmp_path / "single.nc", "--teacher", teacher, *catalog)
    batched = _label(frames_file, tmp_path / "batched.nc", "--teacher", teacher, *catalog, "--batch-size", "3")
    assert "one frame at a time" not in capsys.readouterr().err
    assert batched.attrs["device"] == "cpu" and batched.attrs["batch_size"] == "3"
    assert list(batched.step.values) == list(range(7))
    for name in ("energy", "forces", "stress"):
        assert np.allclose(batched[name].values, single[name].values, rtol=tolerance, atol=tolerance), name
    assert np.abs(single.forces.values).max() > 1e-3  # not trivially zero


@pytest.mark.slow
def test_batched_mace_labels_equal_one_at_a_time(frames_file, tmp_path, capsys):
    """A float64 MACE model built from scratch, loaded through the mace adapter as a catalog teacher."""
    script = textwrap.dedent(f"""
        import numpy as np, torch
        from e3nn import o3
        from mace import modules
        torch.set_default_dtype(torch.float64)
        block = modules.interaction_classes["RealAgnosticResidualInteractionBlock"]
        torch.manual_seed(0)
        model = modules.ScaleShiftMACE(r_max=3.5, num_bessel=6, num_polynomial_cutoff=5, max_ell=1,
            interaction_cls=block, interaction_cls_first=block, num_interactions=2, num_elements=2,
            hidden_irreps=o3.Irreps("4x0e+4x1o"), MLP_irreps=o3.Irreps("4x0e"),
            atomic_energies=np.array([-13.6, -2041.0]), avg_num_neighbors=10.0, atomic_numbers=[1, 8],
            correlation=2, gate=torch.nn.functional.silu, atomic_inter_scale=1.0, atomic_inter_shift=0.0)
        torch.save(model, {str(tmp_path / 'mace.model')!r})
    """)
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                   env={**os.environ, "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"})
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(f"mace-scratch: {{family: mace, package: mace-torch, env: base, checkpoint: {tmp_path / 'mace.model'}, "
                       "level_of_theory: none, training_set: none, licence: MIT}\n")
    single = _label(frames_file, tmp_path / "single.nc", "--teacher", "mace-scratch", "--catalog", str(catalog))
    batched = _label(frames_file, tmp_path / "batched.nc", "--teacher", "mace-scratch", "--catalog", str(catalog),
                     "--batch-size", "3")
    assert "one frame at a time" not in capsys.readouterr().err
    for name in ("energy", "forces", "stress"):
        assert np.allclose(batched[name].values, single[name].values, rtol=1e-9, atol=1e-10), name
    assert np.abs(single.forces.values).max() > 1e-3


def test_teachers_without_batches_label_one_at_a_time_and_say_so(frames_file, tmp_path, capsys):
    single = _label(frames_file, tmp_path / "single.nc", "--teacher", "spcfw")
    batched = _label(frames_file, tmp_path / "batched.nc", "--teacher", "spcfw", "--batch-size", "4")
    assert "spcfw (reference) has no batched evaluation here; labelling one frame at a time" in capsys.readouterr().err
    assert np.array_equal(batched.forces.values, single.forces.values)


def test_a_killed_batched_labelling_resumes_per_chunk(frames_file, tmp_path, monkeypatch):
    catalog = _student_catalog(tmp_path)
    spec = resolve("test-student", load_catalog(catalog))
    reference = label_module.label_frames(frames_file, spec, tmp_path / "reference.nc", device="cpu", chunk=4,
                                          batch_size=2)
    original, calls = label_module.batch_labeller, {"n": 0}

    def dies_on_fourth_batch(calculator):
        labeller = original(calculator)

        def label(frames, with_stress):
            calls["n"] += 1
            if calls["n"] == 4:
                raise KeyboardInterrupt("killed")
            return labeller(frames, with_stress)
        return label

    output = tmp_path / "labels.nc"
    monkeypatch.setattr(label_module, "batch_labeller", dies_on_fourth_batch)
    with pytest.raises(KeyboardInterrupt):
        label_module.label_frames(frames_file, spec, output, device="cpu", chunk=4, batch_size=2)
    assert read_trajectory(partial_path(output)).sizes["frame"] == 4  # the first chunk (2 batches of 2)
    monkeypatch.setattr(label_module, "batch_labeller", original)
    label_module.label_frames(frames_file, spec, output, device="cpu", chunk=4, batch_size=2)
    resumed, expected = read_trajectory(output), read_trajectory(reference)
    assert list(resumed.step.values) == list(range(12))
    assert np.array_equal(resumed.forces.values, expected.forces.values)


@pytest.mark.skipif("LESDISTILL_SEVENN_PYTHON" not in os.environ,
                    reason="needs the SevenNet environment; `make test` builds it and sets LESDISTILL_SEVENN_PYTHON")
@pytest.mark.slow
def test_sevennet_batched_labels_equal_one_at_a_time(frames_file, tmp_path):
    script = textwrap.dedent(f"""
        import numpy as np
        from lesdistill.label import label_frames
        from lesdistill.md import read_trajectory, to_atoms
        from lesdistill.teachers import resolve
        for teacher in ("sevennet-0", "sevennet-mf-0-pbe"):
            runs = [read_trajectory(label_frames({str(frames_file)!r}, resolve(teacher), {str(tmp_path)!r} + f"/{{teacher}}{{n}}.nc",
                                                 device="cpu", max_frames=5, chunk=4, batch_size=n,
                                                 validation_fraction=0.2, test_fraction=0.2)) for n in (1, 3)]
            print(teacher, *(float(np.abs(runs[0][k].values - runs[1][k].values).max()) for k in ("energy", "forces", "stress")))
    """)
    result = subprocess.run([os.environ["LESDISTILL_SEVENN_PYTHON"], "-c", script], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "one frame at a time" not in result.stderr
    for line in result.stdout.strip().splitlines()[-2:]:
        teacher, energy, forces, stress = line.split()
        assert float(energy) < 1e-4 and float(forces) < 1e-5 and float(stress) < 1e-6, line


def test_frames_of_different_sizes_are_labelled_in_the_ragged_layout_and_resume(frames_file, tmp_path, monkeypatch):
    source = write_mixed_waters(tmp_path / "mixed.extxyz", frames_file)
    spec = resolve("spcfw")
    output = tmp_path / "labels.nc"
    reference = label_until_killed(source, output, monkeypatch)
    label_module.label_frames(source, spec, output, chunk=3)

    data = read_trajectory(output)
    assert data.attrs["layout"] == "ragged" and list(data.n_atoms.values) == [21, 24] * 6
    assert data.sizes["atom"] == 6 * 45 and data.forces.dims == ("atom", "xyz")
    assert np.array_equal(data.forces.values, read_trajectory(reference).forces.values)  # resumed = uninterrupted
    labelled = to_atoms(data)
    for atoms, original in zip(labelled, ase.io.read(source, index=":")):
        assert np.array_equal(atoms.numbers, original.numbers)
        assert np.array_equal(atoms.positions, original.positions)
        original.calc = SPCFwCalculator()
        assert atoms.get_potential_energy() == pytest.approx(original.get_potential_energy(), rel=1e-12)
        assert np.allclose(atoms.get_forces(), original.get_forces(), atol=1e-10)
        assert np.allclose(atoms.get_charges(), np.tile([-0.82, 0.41, 0.41], len(atoms) // 3))
    exported = label_module.export_extxyz(output, tmp_path / "labels.extxyz")
    assert [len(a) for a in ase.io.read(exported, index=":")] == [21, 24] * 6
    # a ragged set is a source too: relabelling it keeps the frames
    relabelled = label_module.label_frames(output, spec, tmp_path / "relabelled.nc")
    assert np.array_equal(read_trajectory(relabelled).positions.values, data.positions.values)


def test_a_source_mixing_periodic_and_open_frames_is_refused(frames_file, tmp_path):
    frames = ase.io.read(frames_file, index=":2")
    frames[1] = frames[1][:3]
    frames[1].pbc, frames[1].cell = False, None
    ase.io.write(tmp_path / "mixed.extxyz", frames, format="extxyz")
    with pytest.raises(ValueError, match="mix periodic and non-periodic"):
        label_module.label_frames(tmp_path / "mixed.extxyz", resolve("spcfw"), tmp_path / "labels.nc",
                                  validation_fraction=0, test_fraction=0)
