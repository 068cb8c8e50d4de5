"""Bad input raises ValueError naming the offending argument."""

from __future__ import annotations

import math

import pytest
import torch

from lesdistill.electrostatics import born_effective_charges, ewald_energy, point_charge_energy

from ..helpers import random_structure


@pytest.fixture
def good():
    return random_structure(0, n_atoms=6)


def test_singular_cell_is_rejected(good):
    positions, cell, charges = good
    flat = cell.clone()
    flat[2] = flat[0] + flat[1]
    for fn in (ewald_energy, born_effective_charges, point_charge_energy):
        with pytest.raises(ValueError, match="cell is singular"):
            fn(positions, flat, charges)


@pytest.mark.parametrize("argument", ["positions", "charges", "cell"])
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_values_are_rejected(good, argument, bad):
    values = dict(zip(("positions", "cell", "charges"), (t.clone() for t in good)))
    values[argument].view(-1)[1] = bad
    with pytest.raises(ValueError, match=f"{argument} contains NaN or infinite"):
        ewald_energy(values["positions"], values["cell"], values["charges"])


def test_mismatched_shapes_are_rejected(good):
    positions, cell, charges = good
    with pytest.raises(ValueError, match="charges must have shape"):
        ewald_energy(positions, cell, charges[:-1])
    with pytest.raises(ValueError, match=r"positions must have shape \(N, 3\)"):
        ewald_energy(positions[:, :2], cell, charges)
    with pytest.raises(ValueError, match="cell must have shape"):
        ewald_energy(positions, cell[:2], charges)
    with pytest.raises(ValueError, match="batch must be"):
        ewald_energy(positions, cell[None], charges, batch=torch.tensor([0, 0, 0]))
    with pytest.raises(ValueError, match="batch must be non-decreasing"):
        ewald_energy(positions, cell.expand(2, 3, 3), charges, batch=torch.tensor([0, 1, 0, 1, 1, 1]))
    with pytest.raises(ValueError, match=r"batch values must lie in \[0, 1\)"):
        ewald_energy(positions, cell[None], charges, batch=torch.tensor([0, 0, 0, 1, 1, 1]))


def test_bad_parameters_are_rejected(good):
    positions, cell, charges = good
    with pytest.raises(ValueError, match="sigma"):
        ewald_energy(positions, cell, charges, sigma=0.0)
    with pytest.raises(ValueError, match="dl"):
        ewald_energy(positions, cell, charges, dl=-1.0)
    with pytest.raises(ValueError, match="method"):
        ewald_energy(positions, cell, charges, method="p3m")
    with pytest.raises(ValueError, match="one channel"):
        born_effective_charges(positions, cell, torch.stack([charges, charges], 1))
