"""The student (backbone + charge head + LES): the Gaussian self term of E_LES is a setting, kept in the file."""

from __future__ import annotations

import math

import torch

from lesdistill.electrostatics import coulomb_constant
from lesdistill.models.student import Student, load_student, save_student
from tests.helpers import random_structure

BACKBONE = {"atomic_numbers": [1, 8], "cutoff": 3.5, "n_radial": 4, "n_embed": 2, "n_channels": 4, "l_max": 1,
            "nu_max": 2, "mlp": [8]}


def test_keeping_the_self_term_adds_the_gaussian_self_energy_and_survives_the_file(tmp_path):
    torch.manual_seed(0)
    removed = Student("cace", BACKBONE).double()
    kept = Student("cace", BACKBONE, remove_self_interaction=False).double()
    kept.load_state_dict(removed.state_dict())
    positions, cell, _ = random_structure(3, n_atoms=12, length=8.0)
    numbers = torch.tensor([8, 1, 1] * 4)
    a, b = removed(positions, numbers, cell), kept(positions, numbers, cell)
    assert torch.equal(a["charges"], b["charges"])
    # two Gaussians of variance σ² each at zero distance: k_e q² erf(r/(√2σ))/r → k_e q² √(2/π)/σ, half of it per atom
    self_energy = coulomb_constant() * float((a["charges"].detach() ** 2).sum()) / (removed.sigma * math.sqrt(2 * math.pi))
    assert math.isclose(float(b["energy"] - a["energy"]), self_energy, rel_tol=1e-10)

    path = save_student(kept, tmp_path / "student.pt")
    loaded = load_student(path)
    assert loaded.remove_self_interaction is False and loaded.config == kept.config
    assert torch.equal(loaded(positions, numbers, cell)["energy"], b["energy"])
