"""Electrostatics are really learned: distilling the SPC/Fw point-charge teacher recovers its charges.

64 SPC/Fw waters in a 12.43 Å box (more than twice the 3.5 Å receptive field of a strictly local
CACE student), 40 frames from 250 fs of teacher MD, about three minutes of training per student.
The charges themselves are checked, not only the BECs (charge flux can make BECs look right while
the charges are off), and the same student without the LES head must fit the forces at least two
times worse. Runs in about 7 minutes on 2 cores.
"""

from __future__ import annotations

import numpy as np
import pytest
from ase.optimize import BFGS

from lesdistill import StudentCalculator
from lesdistill.label import label_frames
from lesdistill.md import MDSettings, run_md, to_atoms
from lesdistill.systems import water_box
from lesdistill.teachers import SPCFwCalculator, resolve
from lesdistill.training import TrainSettings, evaluate_student, train

BACKBONE = {"atomic_numbers": [1, 8], "cutoff": 3.5, "n_radial": 6, "n_embed": 2, "n_channels": 8, "l_max": 2,
            "nu_max": 2, "mlp": [32, 16], "avg_neighbors": 10.0}
SETTINGS = TrainSettings(epochs=600, batch_size=2, lr=0.01, forces_weight=100, energy_weight=1, stage_two_epoch=400,
                         stage_two_lr=0.001, ema_decay=0.99, plateau_patience=20, checkpoint_every=1000,
                         dtype="float32")
SPCFW_CHARGES = {8: -0.82, 1: 0.41}


pytestmark = pytest.mark.slow  # the module's students take about 10 minutes to train


@pytest.fixture(scope="module")
def spcfw_labels(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spcfw")
    atoms = water_box(64, seed=3)
    atoms.calc = SPCFwCalculator()
    BFGS(atoms, logfile=None).run(fmax=0.1, steps=300)
    settings = MDSettings(ensemble="nvt", thermostat="bussi", timestep_fs=0.5, temperature_K=300,
                          thermostat_time_fs=20, equilibration_steps=100, production_steps=400, sample_stride=10,
                          checkpoint_every=100, seed=1)
    trajectory = run_md(atoms, SPCFwCalculator(), settings, folder / "md.nc", log_every=10_000)
    return label_frames(trajectory, resolve("spcfw"), folder / "labels.nc", validation_fraction=0.1, test_fraction=0.1)


@pytest.fixture(scope="module")
def students(spcfw_labels, tmp_path_factory):
    folder = tmp_path_factory.mktemp("students")
    with_les = train(spcfw_labels, {"backbone": "cace", "backbone_config": BACKBONE}, SETTINGS, folder / "les.pt")
    without = train(spcfw_labels, {"backbone": "cace", "backbone_config": BACKBONE, "use_les": False}, SETTINGS,
                    folder / "no_les.pt")
    return with_les, without


def test_latent_charges_and_bec_recover_the_point_charges(spcfw_labels, students):
    calculator = StudentCalculator(students[0])
    for atoms in to_atoms(spcfw_labels, [0, 20]):
        atoms.calc = calculator
        charges, numbers = atoms.get_charges(), atoms.numbers
        bec = calculator.get_bec(atoms)
        for number, expected in SPCFW_CHARGES.items():
            assert charges[numbers == number].mean() == pytest.approx(expected, rel=0.15)
            diagonal = np.trace(bec[numbers == number], axis1=1, axis2=2).mean() / 3
            assert diagonal == pytest.approx(expected, rel=0.10)
        assert np.abs(charges.reshape(-1, 3).sum(axis=1)).max() <= 0.02  # molecules stay neutral


def test_without_the_les_head_forces_are_at_least_twice_worse(spcfw_labels, students):
    with_les = evaluate_student(students[0], spcfw_labels)["forces_rmse_mev_a"]
    without = evaluate_student(students[1], spcfw_labels)["forces_rmse_mev_a"]
    assert without >= 2 * with_les, (with_les, without)
