"""Response along a trajectory: J = Σ Z* v equals dP/dt; chunked output resumes after an interruption."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import xarray as xr
from ase import Atoms

from lesdistill import StudentCalculator
from lesdistill import response as response_module
from lesdistill.md import MDSettings, read_trajectory, run_md
from lesdistill.models.student import Student, load_student, save_student
from lesdistill.systems import water_box

MODEL = {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 3.5, "n_radial": 4,
                                                 "n_embed": 2, "n_channels": 4, "l_max": 2, "nu_max": 2,
                                                 "mlp": [16]}}


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory):
    """A random student and 40 NVE steps (0.1 fs, every step written) of an open 6-water cluster."""
    folder = tmp_path_factory.mktemp("response")
    torch.manual_seed(4)
    student = save_student(Student(**MODEL).double(), folder / "student.pt")
    box = water_box(6, seed=2)
    cluster = Atoms(box.numbers, positions=box.positions, pbc=False)
    settings = MDSettings(ensemble="nve", thermostat=None, timestep_fs=0.1, temperature_K=300, equilibration_steps=0,
                          production_steps=40, sample_stride=1, checkpoint_every=20, max_temperature_K=20000,
                          min_distance_A=0.1)
    trajectory = run_md(cluster, StudentCalculator(student), settings, folder / "md.nc", log_every=1000)
    return student, trajectory


def test_current_equals_the_time_derivative_of_the_polarization(cluster_run, tmp_path):
    student, trajectory = cluster_run
    output = response_module.response_along_trajectory(trajectory, student, tmp_path / "response.nc", chunk=7)
    data, frames = xr.open_dataset(output), read_trajectory(trajectory)
    model = load_student(student)
    numbers = torch.tensor(frames.atomic_number.values)
    dipoles = []
    for positions in frames.positions.values:
        p = torch.tensor(positions)
        q = model(p, numbers, None)["charges"].detach()
        dipoles.append(((q - q.mean())[:, None] * p).sum(0).numpy())
    dipoles = np.array(dipoles)
    dt = float(frames.time_fs[1] - frames.time_fs[0])
    numeric = (dipoles[2:] - dipoles[:-2]) / (2 * dt)
    current = data.current.values[1:-1]
    assert np.abs(current).max() > 1e-3
    assert np.abs(current - numeric).max() <= 2e-3 * np.abs(current).max()
    assert np.abs(data.asr_residual.values).max() < 1e-10  # open boundaries, neutralised charges: exact


def test_interrupted_response_resumes_to_the_same_result(cluster_run, tmp_path, monkeypatch):
    student, trajectory = cluster_run
    reference = response_module.response_along_trajectory(trajectory, student, tmp_path / "reference.nc", chunk=8)
    original = response_module.frame_response
    calls = {"n": 0}

    def die_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return original(*args, **kwargs)

    monkeypatch.setattr(response_module, "frame_response", die_on_third)
    output = tmp_path / "response.nc"
    with pytest.raises(KeyboardInterrupt):
        response_module.response_along_trajectory(trajectory, student, output, chunk=8)
    monkeypatch.setattr(response_module, "frame_response", original)
    response_module.response_along_trajectory(trajectory, student, output, chunk=8)
    with xr.open_dataset(reference) as a, xr.open_dataset(output) as b:
        assert a.sizes["frame"] == b.sizes["frame"] == read_trajectory(trajectory).sizes["frame"] == 40
        for name in ("current", "asr_residual", "bec_mean", "bec_iso_mean", "time_fs"):
            assert np.array_equal(a[name].values, b[name].values), name


def test_response_command(cluster_run, tmp_path, capsys):
    from lesdistill.cli import main

    student, trajectory = cluster_run
    output = tmp_path / "r.nc"
    assert main(["response", str(trajectory), "--student", str(student), "--stride", "4", "-o", str(output)]) == 0
    with xr.open_dataset(output) as data:
        assert data.sizes["frame"] == 10 and list(data.element.values) == [1, 8]
    assert main(["response", str(tmp_path / "none.nc"), "--student", str(student), "-o", str(output)]) == 2
    assert "does not exist" in capsys.readouterr().err
