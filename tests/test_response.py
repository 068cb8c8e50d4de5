"""Response along a trajectory: J = Σ Z* v equals dP/dt; chunked output resumes after an interruption."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import xarray as xr
from ase import Atoms

from lesdistill import StudentCalculator
from lesdistill import response as response_module
from lesdistill.electrostatics import born_effective_charges, current_contributions
from lesdistill.md import MDSettings, read_trajectory, run_md
from lesdistill.models.student import Student, load_student, save_student
from lesdistill.decomposition import HCL_COMPLEX_GROUPS, HCL_GROUPS, WATER_LAYER_CUTS
from lesdistill.systems import anatase_water_interface, hcl_box, water_box
from lesdistill.systems.water import WATER_MOLAR_MASS

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
    output = response_module.response_along_trajectory(trajectory, student, tmp_path / "response.nc", chunk=7,
                                                       bec_stride=3)
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
    residual = data.asr_residual.values
    assert np.isnan(residual[1::3]).all() and np.isnan(residual[2::3]).all()  # BEC statistics on the stride only
    assert np.abs(residual[::3]).max() < 1e-10  # open boundaries, neutralised charges: exact
    bec = response_module.frame_becs(model, frames.positions.values[::3], None, frames.atomic_number.values, 1.0)
    hydrogen = frames.atomic_number.values == 1
    iso = np.trace(bec[:, hydrogen], axis1=2, axis2=3).mean(axis=1) / 3
    assert np.allclose(data.bec_iso_mean.sel(element=1).values[::3], iso, atol=1e-12)
    assert (data.bec_iso_histogram.sel(element=1).values[::3].sum(axis=1) == hydrogen.sum()).all()


def test_interrupted_response_resumes_to_the_same_result(cluster_run, tmp_path, monkeypatch):
    student, trajectory = cluster_run
    reference = response_module.response_along_trajectory(trajectory, student, tmp_path / "reference.nc", chunk=8)
    original = response_module.frame_currents
    calls = {"n": 0}

    def die_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return original(*args, **kwargs)

    monkeypatch.setattr(response_module, "frame_currents", die_on_third)
    output = tmp_path / "response.nc"
    with pytest.raises(KeyboardInterrupt):
        response_module.response_along_trajectory(trajectory, student, output, chunk=8)
    monkeypatch.setattr(response_module, "frame_currents", original)
    response_module.response_along_trajectory(trajectory, student, output, chunk=8)
    with xr.open_dataset(reference) as a, xr.open_dataset(output) as b:
        assert a.sizes["frame"] == b.sizes["frame"] == read_trajectory(trajectory).sizes["frame"] == 40
        for name in ("current", "asr_residual", "bec_mean", "bec_iso_mean", "time_fs"):
            assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name


def test_out_of_memory_halves_the_chunk_and_keeps_the_result(cluster_run, tmp_path, monkeypatch, capsys):
    """An out-of-memory error (injected above 3 frames at once) retries at half the chunk, on the device."""
    student, trajectory = cluster_run
    reference = response_module.response_along_trajectory(trajectory, student, tmp_path / "reference.nc", chunk=8,
                                                           device="cpu")
    original = response_module.frame_currents
    sizes, devices = [], set()

    def small_memory(model, positions, *args, **kwargs):
        sizes.append(len(positions))
        devices.add(model.element_energies.device)
        if len(positions) > 3:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return original(model, positions, *args, **kwargs)

    monkeypatch.setattr(response_module, "frame_currents", small_memory)
    output = response_module.response_along_trajectory(trajectory, student, tmp_path / "response.nc", chunk=8,
                                                       device="cpu")
    assert sizes[:4] == [8, 4, 2, 2] and max(sizes[2:]) == 2 and devices == {torch.device("cpu")}
    err = capsys.readouterr().err
    assert "out of memory on 8 frames at once; retrying 4 at a time" in err and "retrying 2 at a time" in err
    with xr.open_dataset(reference) as a, xr.open_dataset(output) as b:
        assert b.attrs["device"] == "cpu"
        for name in ("current", "asr_residual", "bec_mean"):
            assert np.allclose(a[name].values, b[name].values, rtol=1e-12, atol=1e-14, equal_nan=True), name


def test_response_command(cluster_run, tmp_path, capsys):
    from lesdistill.cli import main

    student, trajectory = cluster_run
    output = tmp_path / "r.nc"
    assert main(["response", str(trajectory), "--student", str(student), "--stride", "4", "-o", str(output)]) == 0
    with xr.open_dataset(output) as data:
        assert data.sizes["frame"] == 10 and list(data.element.values) == [1, 8]
    assert main(["response", str(tmp_path / "none.nc"), "--student", str(student), "-o", str(output)]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("periodic", [False, True], ids=["open", "periodic"])
def test_current_without_bec_tensors_equals_bec_times_velocity(periodic):
    """The six (three) charge-flux products give Σ Z*_i v_i per atom to 1e-10, batched over frames."""
    torch.manual_seed(7)
    model = Student(**MODEL).double()
    frames = [water_box(4, seed=seed) for seed in (0, 1, 2)]
    n_atoms = len(frames[0])
    positions = torch.tensor(np.concatenate([a.positions for a in frames]), requires_grad=True)
    velocities = torch.randn(positions.shape, dtype=torch.float64) * 0.01
    batch = torch.arange(3).repeat_interleave(n_atoms)
    numbers = torch.tensor(np.concatenate([a.numbers for a in frames]))
    cells = torch.tensor(np.stack([a.cell.array for a in frames])) if periodic else None
    charges = model.latent_charges(positions, numbers, cells, batch)
    bec = born_effective_charges(positions, cells, charges, epsilon_inf=1.78, batch=batch)
    expected = torch.einsum("nab,nb->na", bec, velocities)
    charges = model.latent_charges(positions, numbers, cells, batch)
    contributions = current_contributions(positions, cells, charges, velocities, epsilon_inf=1.78, batch=batch)
    flux = expected - 1.78**0.5 * (charges - charges.reshape(3, -1).mean(1).repeat_interleave(n_atoms))[:, None] * velocities
    assert flux.abs().max() > 0.05 * expected.abs().max()  # the charge-flux term is really exercised
    assert torch.allclose(contributions, expected, atol=1e-10, rtol=0)


def test_fixed_charge_current_is_the_derivative_of_the_unwrapped_dipole():
    """Point charges moving through a triclinic cell: Σ Z*_i v_i from the wrapped positions = d/dt Σ q_i r_i."""
    rng = np.random.default_rng(3)
    cell = np.array([[7.0, 0.0, 0.0], [1.5, 6.5, 0.0], [-0.8, 1.1, 8.0]])
    charges = torch.tensor(rng.normal(size=10))
    start, velocity, acceleration = rng.uniform(0, 7, (10, 3)), rng.normal(0, 2.0, (10, 3)), rng.normal(0, 1.0, (10, 3))
    t, h = 3.7, 1e-4  # fs; atoms have left the cell by then

    def unwrapped(time):
        return start + velocity * time + 0.5 * acceleration * time**2

    dipole = [((charges - charges.mean()).numpy()[:, None] * unwrapped(time)).sum(0) for time in (t - h, t + h)]
    numeric = (dipole[1] - dipole[0]) / (2 * h)
    fractional = unwrapped(t) @ np.linalg.inv(cell)
    wrapped = torch.tensor((fractional - np.floor(fractional)) @ cell, requires_grad=True)
    v = torch.tensor(velocity + acceleration * t)
    bec = born_effective_charges(wrapped, torch.tensor(cell), charges)
    assert np.allclose(torch.einsum("nab,nb->a", bec, v).numpy(), numeric, atol=1e-7)
    contributions = current_contributions(wrapped, torch.tensor(cell), charges, v)
    assert np.allclose(contributions.sum(0).numpy(), numeric, atol=1e-7)


@pytest.mark.parametrize("system", ["hcl", "hcl-complex", "water-layers"])
def test_group_currents_partition_the_total(system, tmp_path):
    """Group currents of the HCl (molecule-wise and the paper's complex) and water-layer decompositions add
    up to the total current."""
    if system.startswith("hcl"):
        atoms, numbers = hcl_box(1, 1, 20, length=8.8, seed=0), [1, 8, 17]
    else:
        atoms, numbers = anatase_water_interface(repeat=(1, 2), layers=2, cell_height=25.0, water_density=0.997, seed=0), [1, 8, 22]
    torch.manual_seed(0)
    student = save_student(Student(**{**MODEL, "backbone_config": {**MODEL["backbone_config"], "atomic_numbers": numbers}})
                           .double(), tmp_path / "student.pt")
    settings = MDSettings(ensemble="nve", thermostat=None, timestep_fs=0.1, temperature_K=300, equilibration_steps=0,
                          production_steps=6, sample_stride=1, checkpoint_every=6, max_temperature_K=1e5,
                          min_distance_A=0.1)
    trajectory = run_md(atoms, StudentCalculator(student), settings, tmp_path / "md.nc", log_every=1000)
    output = response_module.response_along_trajectory(trajectory, student, tmp_path / "response.nc", chunk=4,
                                                       bec_stride=2, groups=system)
    with xr.open_dataset(output) as data:
        names = json.loads(data.group_current.attrs["group_names"])
        assert np.allclose(data.group_current.sum("group").values, data.current.values, atol=1e-12, rtol=0)
        assert np.abs(data.group_current.values).max() > 1e-4
        assert (data.group_size.sum("group").values == len(atoms)).all()
        if system == "hcl":
            assert names == list(HCL_GROUPS)
            assert (data.group_size.values[:, 0] == 4).all() and (data.group_size.values[:, 3] == 1).all()
        elif system == "hcl-complex":
            assert names == list(HCL_COMPLEX_GROUPS) and (data.group_size.values[:, 0] == 4).all()
            assert (data.group_size.values[:, 1] > 0).all()
        else:
            assert names[0] == "slab" and names[-1] == "bulk" and len(names) == len(WATER_LAYER_CUTS) + 2
            density = data.water_density.values
            assert np.isnan(density[1::2]).all() and (density[::2] >= 0).all()
            water = int((data.group_size.values[0, 1:]).sum() / 3)
            area = np.linalg.norm(np.cross(atoms.cell[0], atoms.cell[1]))
            integral = density[0].sum() * 0.1 * area * 2 * 1e-24 * 6.02214076e23 / WATER_MOLAR_MASS
            assert integral == pytest.approx(water, rel=1e-6)


def test_student_md_response_and_ir_from_the_command_line(tmp_path):
    """lesdistill md --student → response → ir: the chain of the student stages of a cell."""
    import ase.io

    from lesdistill.cli import main

    torch.manual_seed(0)
    student = save_student(Student(**MODEL).double(), tmp_path / "student.pt")
    ase.io.write(tmp_path / "water.extxyz", water_box(8, seed=3))
    (tmp_path / "md.yaml").write_text("ensemble: nvt\nthermostat: bussi\ntimestep_fs: 0.25\ntemperature_K: 300\n"
                                      "equilibration_steps: 0\nproduction_steps: 80\nsample_stride: 2\n"
                                      "checkpoint_every: 40\nmax_temperature_K: 5000\n")
    assert main(["md", str(tmp_path / "water.extxyz"), "--student", str(student), "--settings", str(tmp_path / "md.yaml"),
                 "-o", str(tmp_path / "md.nc")]) == 0
    with xr.open_dataset(tmp_path / "md.nc") as md:
        assert md.sizes["frame"] == 40 and md.attrs["student_sha256"]
    assert main(["response", str(tmp_path / "md.nc"), "--student", str(student), "-o", str(tmp_path / "response.nc")]) == 0
    assert main(["ir", str(tmp_path / "response.nc"), "--reference", "water", "-o", str(tmp_path / "ir.nc")]) == 0
    with xr.open_dataset(tmp_path / "ir.nc") as ir:
        assert ir.wavenumber.max() <= 4000 and np.isfinite(ir.intensity.values).all() and ir.intensity.max() > 0
        assert "peak_shift" in ir
    assert main(["md", str(tmp_path / "water.extxyz"), "--student", str(tmp_path / "none.pt"), "-o",
                 str(tmp_path / "x.nc")]) == 2
