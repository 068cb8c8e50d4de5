"""`lesdistill evaluate`: a student's errors on test frames, checked against a direct recomputation."""

from __future__ import annotations

import json

import ase.io
import numpy as np
import pytest
import torch
import xarray as xr

from lesdistill import StudentCalculator
from lesdistill.cli import main
from lesdistill.label import label_frames
from lesdistill.evaluation.errors import dataset_errors
from lesdistill.md.reader import read_trajectory, to_atoms
from lesdistill.models.student import Student, save_student
from lesdistill.teachers import load_teacher, resolve

from ..helpers import write_mixed_waters, write_perturbed_waters

MODEL = {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 3.0, "n_radial": 3,
                                                 "n_embed": 2, "n_channels": 3, "l_max": 1, "nu_max": 2,
                                                 "mlp": [8]}, "sigma": 1.0, "dl": 2.0}


@pytest.fixture(scope="module")
def cell(tmp_path_factory):
    """SPC/Fw labels of 10 perturbed 8-water boxes (3 test frames) and an untrained student."""
    folder = tmp_path_factory.mktemp("evaluate")
    frames = write_perturbed_waters(folder / "frames.extxyz", 10, seed=2, scale=0.05, box_seed=3)
    labels = label_frames(frames, resolve("spcfw"), folder / "labels.nc", validation_fraction=0.1, test_fraction=0.3)
    torch.manual_seed(0)
    student = save_student(Student(**MODEL, element_energies={1: -13.0, 8: -430.0}).double(), folder / "student.pt")
    return folder, labels, student


def direct_errors(student, atoms_list):
    """Energy per atom (eV) and force (eV/Å) differences, recomputed frame by frame with the ASE calculator."""
    calculator = StudentCalculator(student)
    energy, forces = [], []
    for atoms in atoms_list:
        reference_energy, reference_forces = atoms.get_potential_energy(), atoms.get_forces()
        trial = atoms.copy()
        trial.calc = calculator
        energy.append((trial.get_potential_energy() - reference_energy) / len(atoms))
        forces.append(trial.get_forces() - reference_forces)
    return np.array(energy), np.array(forces), atoms_list[0].numbers


def test_evaluate_equals_a_direct_recomputation_and_states_the_offset(cell, tmp_path):
    folder, labels, student = cell
    data = read_trajectory(labels)
    test = np.flatnonzero(data.split.values == 2)
    assert len(test) >= 2
    test_atoms = ase.io.read(folder / "frames.extxyz", index=":")
    spc = load_teacher("spcfw")
    reference = []
    for i in test:
        atoms = test_atoms[i]
        atoms.calc = spc
        atoms.get_forces()
        reference.append(atoms)
    energy, forces, numbers = direct_errors(student, reference)

    # a "DFT" set: the same test frames with every energy shifted by 0.5 eV/atom (a different reference)
    shifted = []
    for atoms in reference:
        copy = atoms.copy()
        copy.calc = None
        copy.info.update(energy=atoms.get_potential_energy() + 0.5 * len(atoms), split="test")
        copy.arrays["forces"] = atoms.get_forces()
        shifted.append(copy)
    ase.io.write(tmp_path / "dft.extxyz", shifted)

    output = tmp_path / "metrics.nc"
    assert main(["evaluate", str(student), "--labels", str(labels), "--dft", str(tmp_path / "dft.extxyz"),
                 "-o", str(output)]) == 0
    metrics = xr.open_dataset(output)
    summary = json.loads(output.with_suffix(".json").read_text())
    teacher = metrics.sel(reference="teacher")
    assert int(teacher.n_frames) == len(test) and str(teacher.split.values) == "test"
    assert float(teacher.energy_rmse_mev_atom) == pytest.approx(1e3 * np.sqrt(np.mean(energy**2)), rel=1e-8)
    assert float(teacher.energy_offset_mev_atom) == pytest.approx(1e3 * energy.mean(), rel=1e-8)
    assert float(teacher.energy_rmse_offset_removed_mev_atom) == pytest.approx(1e3 * energy.std(), rel=1e-8)
    assert float(teacher.forces_rmse_mev_a) == pytest.approx(1e3 * np.sqrt(np.mean(forces**2)), rel=1e-8)
    assert float(teacher.forces_mae_mev_a) == pytest.approx(1e3 * np.mean(np.abs(forces)), rel=1e-8)
    oxygen = forces[:, numbers == 8]
    assert float(teacher.forces_rmse_element_mev_a.sel(element="O")) == pytest.approx(
        1e3 * np.sqrt(np.mean(oxygen**2)), rel=1e-8)
    assert summary["references"]["teacher"]["forces_rmse_mev_a"] == pytest.approx(float(teacher.forces_rmse_mev_a))
    stress = float(teacher.stress_rmse_mev_a3)
    assert np.isfinite(stress) and stress > 0  # SPC/Fw labels carry stress; the student's differs

    dft = metrics.sel(reference="dft")
    assert float(dft.energy_offset_mev_atom) == pytest.approx(1e3 * (energy.mean() - 0.5), rel=1e-8)
    assert float(dft.energy_rmse_offset_removed_mev_atom) == pytest.approx(
        float(teacher.energy_rmse_offset_removed_mev_atom), rel=1e-6)
    assert float(dft.forces_rmse_mev_a) == pytest.approx(float(teacher.forces_rmse_mev_a), rel=1e-8)
    assert np.isnan(float(dft.stress_rmse_mev_a3))


def test_evaluate_on_frames_of_different_sizes_equals_a_direct_recomputation(cell, tmp_path):
    """A user's set of 21- and 24-atom frames (the ragged label layout): every frame scored with its own size."""
    folder, _, student = cell
    mixed = write_mixed_waters(tmp_path / "mixed.extxyz", folder / "frames.extxyz")
    labels = label_frames(mixed, resolve("spcfw"), tmp_path / "labels.nc",
                          validation_fraction=0.1, test_fraction=0.4)
    test = [atoms for atoms in to_atoms(labels) if atoms.info["split"] == 2]
    assert {len(atoms) for atoms in test} == {21, 24}
    energy, forces = [], []
    for atoms in test:
        trial = atoms.copy()
        trial.calc = StudentCalculator(student)
        energy.append((trial.get_potential_energy() - atoms.get_potential_energy()) / len(atoms))
        forces.append(trial.get_forces() - atoms.get_forces())
    energy, forces = np.array(energy), np.concatenate(forces)
    errors = dataset_errors(student, labels, chunk=3)
    assert errors.n_frames == len(test)
    assert errors.energy_rmse_mev_atom == pytest.approx(1e3 * np.sqrt(np.mean(energy**2)), rel=1e-8)
    assert errors.forces_rmse_mev_a == pytest.approx(1e3 * np.sqrt(np.mean(forces**2)), rel=1e-8)
    hydrogen = forces[np.concatenate([atoms.numbers for atoms in test]) == 1]
    assert errors.forces_mae_element_mev_a["H"] == pytest.approx(1e3 * np.mean(np.abs(hydrogen)), rel=1e-8)


def test_evaluate_refuses_a_bad_output_name_in_one_line(cell, tmp_path, capsys):
    _, labels, student = cell
    assert main(["evaluate", str(student), "--labels", str(labels), "-o", str(tmp_path / "metrics.json")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


SPC_CHARGES = {8: -0.82, 1: 0.41}


def write_bec_reference(path, seed: int = 4):
    """Two 8-water frames whose per-atom BEC is an SPC/Fw-like tensor plus seeded noise (e, 9 columns)."""
    rng = np.random.default_rng(seed)
    frames = ase.io.read(write_perturbed_waters(path.with_suffix(".frames.extxyz"), 2, seed=seed, scale=0.05,
                                                box_seed=7), index=":")
    for atoms in frames:
        base = np.array([1.4 * SPC_CHARGES[z] * np.eye(3) for z in atoms.numbers])
        atoms.arrays["BEC"] = (base + 0.2 * rng.normal(size=base.shape)).reshape(len(atoms), 9)
    ase.io.write(path, frames)
    return ase.io.read(path, index=":")  # as stored (extxyz rounds)


def hand_parity(student, reference, numbers):
    """R² and RMSEs written out component by component."""
    diagonal = [(a, a) for a in range(3)]
    off = [(a, b) for a in range(3) for b in range(3) if a != b]

    def stats(pairs):
        p = np.array([student[i, a, b] for i in range(len(numbers)) for a, b in pairs])
        r = np.array([reference[i, a, b] for i in range(len(numbers)) for a, b in pairs])
        r2 = 1 - np.sum((p - r) ** 2) / np.sum((r - np.mean(r)) ** 2)
        return r2, np.sqrt(np.mean((p - r) ** 2))

    return stats(diagonal + off), stats(diagonal), stats(off)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_bec_parity_of_a_fixed_charge_student_equals_a_hand_computation(cell, tmp_path, monkeypatch, sign):
    """Fixed SPC/Fw charges: Z = √ε∞ q·I exactly; the wrong global sign scores as badly as it is."""
    _, labels, student = cell

    def fixed_charges(self, positions, numbers, cell, batch=None):
        return sign * torch.tensor([SPC_CHARGES[int(z)] for z in numbers], dtype=positions.dtype) + 0 * positions.sum()

    monkeypatch.setattr(Student, "latent_charges", fixed_charges)
    frames = write_bec_reference(tmp_path / "dft_bec.extxyz")
    output = tmp_path / "metrics.nc"
    assert main(["evaluate", str(student), "--labels", str(labels), "--bec-reference", str(tmp_path / "dft_bec.extxyz"),
                 "--epsilon-inf", "1.78", "-o", str(output)]) == 0
    numbers = np.concatenate([a.numbers for a in frames])
    reference = np.concatenate([a.arrays["BEC"].reshape(-1, 3, 3) for a in frames])
    expected = np.array([sign * np.sqrt(1.78) * SPC_CHARGES[z] * np.eye(3) for z in numbers])
    (r2, rmse), (r2_diagonal, rmse_diagonal), (_, rmse_off) = hand_parity(expected, reference, numbers)
    with xr.open_dataset(output) as metrics:
        np.testing.assert_allclose(metrics.bec_student.values, expected, atol=1e-10)
        np.testing.assert_array_equal(metrics.bec_reference.values, reference)
        assert float(metrics.bec_r2) == pytest.approx(r2, rel=1e-9)
        assert float(metrics.bec_rmse_e) == pytest.approx(rmse, rel=1e-9)
        assert float(metrics.bec_r2_diagonal) == pytest.approx(r2_diagonal, rel=1e-9)
        assert float(metrics.bec_rmse_diagonal_e) == pytest.approx(rmse_diagonal, rel=1e-9)
        assert float(metrics.bec_rmse_offdiagonal_e) == pytest.approx(rmse_off, rel=1e-9)
        oxygen = float(metrics.bec_iso_mean_student_e.sel(bec_element="O"))
        assert oxygen == pytest.approx(sign * np.sqrt(1.78) * -0.82, rel=1e-9)
        assert float(metrics.bec_iso_mean_reference_e.sel(bec_element="O")) == pytest.approx(
            np.mean([np.trace(z) / 3 for z in reference[numbers == 8]]), rel=1e-12)
    assert (r2 > 0.8) if sign > 0 else (r2 < 0)  # sign-aware: the flipped student is far off


def test_teacher_bec_parity_sits_next_to_the_dft_one_at_epsilon_one(cell, tmp_path, monkeypatch):
    """SPC/Fw's own BECs (q·I) against a student with SPC/Fw's fixed charges: R² 1 at ε∞ = 1, while the
    DFT parity of the same run keeps √ε∞."""
    _, labels, student = cell

    def fixed_charges(self, positions, numbers, cell, batch=None):
        return torch.tensor([SPC_CHARGES[int(z)] for z in numbers], dtype=positions.dtype) + 0 * positions.sum()

    monkeypatch.setattr(Student, "latent_charges", fixed_charges)
    teacher = tmp_path / "teacher_bec.extxyz"
    assert main(["teacher-bec", str(labels), "--teacher", "spcfw", "--max-frames", "2", "-o", str(teacher)]) == 0
    write_bec_reference(tmp_path / "dft_bec.extxyz")
    output = tmp_path / "metrics.nc"
    assert main(["evaluate", str(student), "--labels", str(labels), "--bec-reference", str(tmp_path / "dft_bec.extxyz"),
                 "--teacher-bec", str(teacher), "--epsilon-inf", "1.78", "-o", str(output)]) == 0
    frames = ase.io.read(teacher, index=":")
    numbers = np.concatenate([a.numbers for a in frames])
    expected = np.array([SPC_CHARGES[z] * np.eye(3) for z in numbers])
    with xr.open_dataset(output) as metrics:
        np.testing.assert_allclose(metrics.teacher_bec_reference.values, expected, atol=1e-8)
        np.testing.assert_allclose(metrics.teacher_bec_student.values, expected, atol=1e-10)
        assert float(metrics.teacher_bec_r2) == pytest.approx(1.0, abs=1e-12)
        assert float(metrics.teacher_bec_iso_mean_student_e.sel(teacher_bec_element="O")) == pytest.approx(-0.82)
        assert float(metrics.bec_iso_mean_student_e.sel(bec_element="O")) == pytest.approx(np.sqrt(1.78) * -0.82)
    document = json.loads(output.with_suffix(".json").read_text())
    assert document["teacher_bec_parity"]["epsilon_inf"] == 1.0 and document["bec_parity"]["epsilon_inf"] == 1.78
    assert document["teacher_bec_parity"]["n_atoms"] == len(numbers) == 48


def test_a_bec_reference_without_bec_is_named(cell, tmp_path, capsys):
    _, labels, student = cell
    frames = write_perturbed_waters(tmp_path / "plain.extxyz", 1, seed=1, scale=0.0, box_seed=1)
    assert main(["evaluate", str(student), "--labels", str(labels), "--bec-reference", str(frames),
                 "--epsilon-inf", "1.78", "-o", str(tmp_path / "m.nc")]) == 2
    assert "has no per-atom BEC array" in capsys.readouterr().err


def test_summary_rows_of_a_distilled_and_a_fine_tuned_cell(cell, tmp_path):
    """A cell with metrics but no MD, and a fine-tuning variant whose fine-tuning failed (its log says why)."""
    from lesdistill.evaluation.summary import CellInfo, summary_rows, write_summary

    _, labels, student = cell
    folder = tmp_path / "results" / "spcfw" / "water"
    folder.mkdir(parents=True)
    for name in ("relaxed.extxyz", "labels.nc", "student.pt"):
        (folder / name).write_text("")
    assert main(["evaluate", str(student), "--labels", str(labels), "-o", str(folder / "metrics.nc")]) == 0
    log = tmp_path / "logs" / "finetune" / "spcfw" / "water" / "f10.log"
    log.parent.mkdir(parents=True)
    log.write_text("epoch 1\nlesdistill train: error: the DFT set has no training frames\n\n")
    infos = [CellInfo("spcfw", "water", "SPC/Fw", "none", "reference", 100, 200),
             CellInfo("spcfw", "water", "SPC/Fw", "none", "reference", 100, 200, variant="f10")]
    rows = summary_rows(infos, tmp_path / "results", tmp_path / "logs")
    distilled, tuned = rows
    assert distilled["student"] == "distilled" and tuned["student"] == "finetune-f10"
    assert distilled["status"] == f"no md.nc: student_md did not finish ({tmp_path}/logs/student_md/spcfw/water.log: no log)"
    assert distilled["test_forces_rmse_mev_a"] == pytest.approx(
        json.loads((folder / "metrics.json").read_text())["references"]["teacher"]["forces_rmse_mev_a"])
    assert tuned["status"].startswith("no student.pt: finetune did not finish")
    assert tuned["status"].endswith("f10.log: lesdistill train: error: the DFT set has no training frames)")
    assert tuned.get("test_forces_rmse_mev_a") is None and distilled["md_speedup"] is None
    csv_path, markdown = write_summary(rows, tmp_path / "summary.csv", tmp_path / "summary.md")
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("system,teacher,student,level_of_theory") and len(lines) == 3
    assert "| spcfw | finetune-f10 |" in markdown.read_text()


def test_direct_fit_rows_and_an_evaluation_on_dft_frames_alone(cell, tmp_path):
    from lesdistill.evaluation.summary import CellInfo, summary_rows

    _, labels, student = cell
    folder = tmp_path / "results" / "dft-direct" / "water"
    folder.mkdir(parents=True)
    (folder / "student.pt").write_text("")
    assert main(["evaluate", str(student), "--dft", str(labels), "-o", str(folder / "metrics.nc")]) == 0
    (row,) = summary_rows([CellInfo("dft-direct", "water", "DFT", "dft.extxyz", "cace", 0, 0)],
                          tmp_path / "results", tmp_path / "logs")
    assert row["student"] == "direct-fit" and row["status"] == "complete"
    assert row["dft_forces_rmse_mev_a"] > 0 and row.get("test_forces_rmse_mev_a") is None
    assert main(["evaluate", str(student), "-o", str(tmp_path / "m.nc")]) == 2
