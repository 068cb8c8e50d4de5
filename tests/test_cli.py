"""The lesdistill CLI: build a system, evaluate electrostatics, reject bad input without losing files."""

from __future__ import annotations

import math

import ase.io
import numpy as np
import pytest
import torch
import xarray as xr

from lesdistill.cli import main
from lesdistill.electrostatics import ewald_energy


@pytest.fixture
def small_water(tmp_path):
    path = tmp_path / "water.extxyz"
    assert main(["build-system", "water", "--molecules", "8", "--seed", "3", "-o", str(path)]) == 0
    return path


def test_water_builder_output(small_water):
    atoms = ase.io.read(small_water)
    assert atoms.get_chemical_formula() == "H16O8"
    density = atoms.get_masses().sum() / atoms.get_volume() * 1.66053906660  # g/cm³
    assert density == pytest.approx(0.997, rel=1e-4)  # ASE masses differ from 1.00794/15.9994 by 1e-5
    distances = atoms.get_all_distances(mic=True)
    molecule = np.repeat(np.arange(8), 3)
    intermolecular = distances[molecule[:, None] != molecule[None, :]]
    assert intermolecular.min() >= 1.7


def test_electrostatics_command_writes_consistent_netcdf(small_water, tmp_path, capsys):
    output = tmp_path / "es.nc"
    assert main(["electrostatics", str(small_water), "--charges", "O=-0.82,H=0.41", "--epsilon-inf", "1.78", "-o", str(output)]) == 0
    assert "BEC O" in capsys.readouterr().out
    atoms = ase.io.read(small_water)
    charges = torch.tensor([-0.82 if s == "O" else 0.41 for s in atoms.get_chemical_symbols()], dtype=torch.float64)
    expected = ewald_energy(torch.tensor(atoms.positions), torch.tensor(atoms.cell.array), charges)
    with xr.open_dataset(output) as data:
        assert data.energy_les.shape == (1,)
        assert float(data.energy_les[0]) == pytest.approx(float(expected), rel=1e-12)
        assert float(data.energy_les_pme[0]) == pytest.approx(float(expected), rel=1e-4)
        bec = data.bec.values[0]
        assert np.allclose(bec, math.sqrt(1.78) * charges.numpy()[:, None, None] * np.eye(3), atol=1e-12)
        assert data.stress_les.shape == (1, 3, 3)
        assert data.attrs["version_torch"].startswith("2.")
        assert data.attrs["git_revision"]
        assert data.forces_les.attrs["units"] == "eV/Å"


def test_electrostatics_of_an_open_multi_frame_file(tmp_path):
    molecule = ase.Atoms("OH2", positions=[[0, 0, 0], [0.76, 0.59, 0], [-0.76, 0.59, 0]])
    frames = [molecule.copy() for _ in range(3)]
    for i, atoms in enumerate(frames):
        atoms.positions[1, 0] += 0.05 * i
    path = tmp_path / "molecules.extxyz"
    ase.io.write(path, frames)
    output = tmp_path / "open.nc"
    assert main(["electrostatics", str(path), "--charges", "O=-0.8,H=0.4", "-o", str(output)]) == 0
    with xr.open_dataset(output) as data:
        assert data.energy_les.shape == (3,)
        assert "energy_les_pme" not in data
        assert not np.allclose(data.energy_les.values[0], data.energy_les.values[2])


@pytest.mark.parametrize(
    "arguments,message",
    [
        (["missing.extxyz", "--charges", "O=-0.8,H=0.4"], "does not exist"),
        (["WATER", "--charges", "O=-0.8"], "no charge for element(s) ['H']"),
        (["WATER", "--charges", "O:-0.8,H=0.4"], "is not SYMBOL=VALUE"),
    ],
)
def test_bad_input_is_reported_and_keeps_existing_output(small_water, tmp_path, capsys, arguments, message):
    output = tmp_path / "keep.nc"
    output.write_text("previous result")
    arguments = [str(small_water) if a == "WATER" else str(tmp_path / a) if a.endswith(".extxyz") else a for a in arguments]
    assert main(["electrostatics", *arguments, "-o", str(output), "--overwrite"]) == 2  # a failed run keeps it
    assert message in capsys.readouterr().err
    assert output.read_text() == "previous result"


def test_unreadable_structure_file_is_named(tmp_path, capsys):
    path = tmp_path / "broken.extxyz"
    path.write_text("3\nnot an extxyz header\nO 0 0\n")
    assert main(["electrostatics", str(path), "--charges", "O=-0.8,H=0.4", "-o", str(tmp_path / "x.nc")]) == 2
    assert f"cannot read structures from {path}" in capsys.readouterr().err


def test_build_system_hcl_and_small_interface(tmp_path):
    hcl = tmp_path / "hcl.extxyz"
    assert main(["build-system", "hcl", "--ion-pairs", "1", "--waters", "23", "--length", "9.1", "-o", str(hcl)]) == 0
    assert ase.io.read(hcl).get_chemical_formula() == "H49ClO24"  # H3O⁺ + Cl⁻ + 23 H2O
    interface = tmp_path / "tio2.extxyz"
    assert main(["build-system", "tio2-water", "--repeat", "1", "2", "--layers", "2", "--cell-height", "20", "-o", str(interface)]) == 0
    atoms = ase.io.read(interface)
    assert atoms.get_chemical_symbols().count("Ti") == 16
    assert set(atoms.arrays["region"]) == {0, 1}
