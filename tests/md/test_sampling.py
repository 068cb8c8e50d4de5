"""Every offline teacher samples a 300 K water trajectory through the CLI; a killed teacher run resumes."""

from __future__ import annotations

import os
import subprocess
import sys

import ase.io
import numpy as np
import pytest

from lesdistill.cli import main
from lesdistill.md import partial_path, read_trajectory
from lesdistill.systems import water_box

from ..helpers import kill_after_frames

SETTINGS = ("ensemble: nvt\nthermostat: bussi\ntimestep_fs: 0.5\ntemperature_K: 300\nthermostat_time_fs: 10\n"
            "equilibration_steps: 2\nproduction_steps: {steps}\nsample_stride: 2\ncheckpoint_every: 4\nseed: 11\n")


@pytest.fixture(scope="module")
def water(tmp_path_factory):
    path = tmp_path_factory.mktemp("water") / "water8.extxyz"
    atoms = water_box(8, seed=4)
    atoms.set_momenta(np.zeros_like(atoms.positions))
    ase.io.write(path, atoms)
    return path


def check_water_trajectory(path, teacher: str, frames: int) -> None:
    data = read_trajectory(path)
    assert data.sizes["frame"] == frames and data.sizes["atom"] == 24
    assert data.attrs["teacher"] == teacher and data.attrs["level_of_theory"]
    assert np.isfinite(data.energy.values).all() and np.isfinite(data.forces.values).all()
    assert 30 < float(data.temperature.mean()) < 1500
    positions = data.positions.values
    bonds = np.linalg.norm(positions[:, 1::3] - positions[:, 0::3], axis=-1)
    assert bonds.max() < 1.3  # molecules stay intact


@pytest.mark.slow
@pytest.mark.parametrize("teacher", ["spcfw", "chgnet-0.3.0", "chgnet-r2scan", "gfn1-xtb", "gfn2-xtb"])
def test_offline_teacher_samples_water_through_the_cli(water, tmp_path, teacher):
    settings = tmp_path / "md.yaml"
    settings.write_text(SETTINGS.format(steps=6))
    output = tmp_path / f"{teacher}.nc"
    assert main(["md", str(water), "--teacher", teacher, "--settings", str(settings), "-o", str(output)]) == 0
    check_water_trajectory(output, teacher, frames=3)


@pytest.mark.skipif("LESDISTILL_SEVENN_PYTHON" not in os.environ,
                    reason="needs the SevenNet environment; `make test` builds it and sets LESDISTILL_SEVENN_PYTHON")
@pytest.mark.slow
def test_sevennet_samples_water_through_the_cli_in_its_environment(water, tmp_path):
    settings = tmp_path / "md.yaml"
    settings.write_text(SETTINGS.format(steps=6))
    output = tmp_path / "sevennet.nc"
    command = [os.environ["LESDISTILL_SEVENN_PYTHON"], "-m", "lesdistill.cli", "md", str(water), "--teacher",
               "sevennet-0", "--settings", str(settings), "-o", str(output)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    check_water_trajectory(output, "sevennet-0", frames=3)


@pytest.mark.slow
def test_killed_teacher_run_resumes_to_the_uninterrupted_trajectory(water, tmp_path):
    settings = tmp_path / "md.yaml"
    settings.write_text(SETTINGS.format(steps=300))
    command = [sys.executable, "-m", "lesdistill.cli", "md", str(water), "--teacher", "spcfw", "--settings", str(settings)]
    killed = tmp_path / "killed.nc"
    kill_after_frames([*command, "-o", str(killed)], partial_path(killed), 40)
    assert not killed.exists()
    resumed = subprocess.run([*command, "-o", str(killed)], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming" in resumed.stderr
    reference = tmp_path / "reference.nc"
    assert main(["md", str(water), "--teacher", "spcfw", "--settings", str(settings), "-o", str(reference)]) == 0
    a, b = read_trajectory(killed), read_trajectory(reference)
    assert a.sizes["frame"] == b.sizes["frame"] == 150
    assert np.array_equal(a.step.values, b.step.values)
    for name in ("positions", "velocities", "forces", "energy"):
        assert np.array_equal(a[name].values, b[name].values), name


def test_relax_with_a_teacher_lowers_energy_and_forces(water, tmp_path, capsys):
    output = tmp_path / "relaxed.extxyz"
    assert main(["relax", str(water), "--teacher", "spcfw", "--fmax", "0.05", "-o", str(output)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("converged")
    relaxed = ase.io.read(output)
    assert relaxed.info["relaxed_with"] == "spcfw"
    from lesdistill.teachers import SPCFwCalculator

    start = ase.io.read(water)
    for atoms in (start, relaxed):
        atoms.calc = SPCFwCalculator()
    assert relaxed.get_potential_energy() < start.get_potential_energy()
    assert np.linalg.norm(relaxed.get_forces(), axis=1).max() <= 0.05
