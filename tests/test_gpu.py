"""CUDA against the CPU: every stage on the GPU gives the CPU's result within stated tolerances.

Run with `make test-gpu` (``pytest -m gpu``); skipped where ``torch.cuda.is_available()`` is False.
``LESDISTILL_TEST_GPU_DEVICE=cpu`` runs the same comparisons CPU against CPU (a check of the tests
themselves on machines without a GPU).
Tolerances (relative unless said): float64 electrostatics (LES k-space, PME, BEC) ≤ 1e-8; float64
student energy and forces ≤ 1e-6; float32 student forces ≤ 1e-3; float64 MD positions after 20 steps
≤ 1e-8 Å absolute; float64 training weights after 2 epochs ≤ 1e-6; CHGNet (float32) labels ≤ 1e-4
eV and eV/Å absolute.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
import xarray as xr

from lesdistill import StudentCalculator
from lesdistill import response as response_module
from lesdistill.electrostatics import born_effective_charges, ewald_energy
from lesdistill.label import label_frames
from lesdistill.md import MDSettings, read_trajectory, run_md
from lesdistill.models.neighbors import neighbor_list
from lesdistill.models.student import Student, load_student, save_student
from lesdistill.systems import water_box
from lesdistill.teachers import resolve
from lesdistill.training import TrainSettings, train
from lesdistill.training import trainer as trainer_module

from .helpers import random_structure, write_perturbed_waters

GPU = os.environ.get("LESDISTILL_TEST_GPU_DEVICE", "cuda")
DEVICES = {"cpu": "cpu", "gpu": GPU}
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(GPU.startswith("cuda") and not torch.cuda.is_available(),
                                                  reason="needs CUDA (make test-gpu on a GPU machine)")]

MODEL = {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 3.5, "n_radial": 4,
                                                 "n_embed": 2, "n_channels": 4, "l_max": 2, "nu_max": 2,
                                                 "mlp": [16]}, "sigma": 1.0, "dl": 2.0}
SETTINGS = TrainSettings(epochs=2, batch_size=4, lr=5e-3, checkpoint_every=3, ema_decay=0.9, plateau_patience=5)


def relative(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gpu")
    frames = write_perturbed_waters(folder / "frames.extxyz", 12, seed=3, scale=0.05, box_seed=5)
    return label_frames(frames, resolve("spcfw"), folder / "labels.nc", device="cpu", validation_fraction=0.17,
                        test_fraction=0.17)


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    torch.manual_seed(1)
    return save_student(Student(**MODEL, element_energies={1: -13.0, 8: -430.0}).double(),
                        tmp_path_factory.mktemp("student") / "student.pt")


@pytest.mark.parametrize("method", ["kspace", "pme"])
def test_les_energy_forces_and_bec_on_cuda_equal_the_cpu(method):
    positions, cell, charges = random_structure(0, n_atoms=64, length=12.0)
    results = {}
    for name, device in DEVICES.items():
        p = positions.to(device).requires_grad_(True)
        energy = ewald_energy(p, cell.to(device), charges.to(device), sigma=1.0, dl=2.0, method=method)
        forces = -torch.autograd.grad(energy, p)[0]
        bec = born_effective_charges(positions.to(device), cell.to(device), charges.to(device))
        results[name] = [t.detach().cpu().numpy() for t in (energy, forces, bec)]
    for gpu, cpu in zip(results["gpu"], results["cpu"]):
        assert relative(gpu, cpu) <= 1e-8


def test_neighbour_lists_are_built_on_cuda_and_match_the_cpu():
    positions, cell, _ = random_structure(1, n_atoms=96, length=10.0)
    pairs = {}
    for name, device in DEVICES.items():
        i, j, vectors = neighbor_list(positions.to(device), cell.to(device), 3.5)
        assert {i.device, j.device, vectors.device} == {torch.device(device)}
        order = np.lexsort((np.round(vectors.cpu().numpy(), 8).T.tolist() + [j.cpu().numpy(), i.cpu().numpy()]))
        pairs[name] = (i.cpu().numpy()[order], j.cpu().numpy()[order], vectors.cpu().numpy()[order])
    assert np.array_equal(pairs["gpu"][0], pairs["cpu"][0]) and np.array_equal(pairs["gpu"][1], pairs["cpu"][1])
    assert np.abs(pairs["gpu"][2] - pairs["cpu"][2]).max() <= 1e-12


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-6), ("float32", 1e-3)])
def test_student_energy_forces_and_stress_on_cuda_equal_the_cpu(student, dtype, tolerance):
    atoms = water_box(32, seed=4)
    results = {}
    for name, device in DEVICES.items():
        atoms.calc = StudentCalculator(student, device=device, dtype=dtype)
        assert next(atoms.calc.model.parameters()).device.type == torch.device(device).type
        results[name] = (atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress())
    for gpu, cpu in zip(results["gpu"], results["cpu"]):
        assert relative(gpu, cpu) <= tolerance


def test_student_md_on_cuda_follows_the_cpu_trajectory(student, tmp_path):
    settings = MDSettings(ensemble="nve", thermostat=None, timestep_fs=0.25, temperature_K=300, equilibration_steps=0,
                          production_steps=20, sample_stride=5, checkpoint_every=10, max_temperature_K=5000)
    atoms = water_box(8, seed=6)
    runs = {name: read_trajectory(run_md(atoms, StudentCalculator(student, device=device), settings,
                                         tmp_path / f"{name}.nc", log_every=1000)) for name, device in DEVICES.items()}
    assert np.abs(runs["gpu"].positions.values - runs["cpu"].positions.values).max() <= 1e-8


def test_response_on_cuda_equals_the_cpu(student, tmp_path):
    settings = MDSettings(ensemble="nve", thermostat=None, timestep_fs=0.25, temperature_K=300, equilibration_steps=0,
                          production_steps=12, sample_stride=1, checkpoint_every=6, max_temperature_K=5000)
    trajectory = run_md(water_box(8, seed=7), StudentCalculator(student, device="cpu"), settings, tmp_path / "md.nc",
                        log_every=1000)
    outputs = {name: response_module.response_along_trajectory(trajectory, student, tmp_path / f"{name}.nc",
                                                                chunk=5, bec_stride=2, device=device)
               for name, device in DEVICES.items()}
    with xr.open_dataset(outputs["cpu"]) as cpu, xr.open_dataset(outputs["gpu"]) as gpu:
        assert gpu.attrs["device"].startswith(GPU.split(":")[0])
        assert relative(gpu.current.values, cpu.current.values) <= 1e-8
        assert relative(gpu.bec_mean.values[::2], cpu.bec_mean.values[::2]) <= 1e-8


def test_training_on_cuda_follows_the_cpu_and_resumes_across_devices(dataset, tmp_path, monkeypatch):
    weights = {name: load_student(train(dataset, MODEL, SETTINGS, tmp_path / f"{name}.pt", device=device))
               for name, device in DEVICES.items()}
    for name, value in weights["cpu"].state_dict().items():
        assert relative(weights["gpu"].state_dict()[name], value) <= 1e-6, name
    payload = torch.load(tmp_path / "gpu.pt", weights_only=True)
    assert payload["metadata"]["device"].startswith(GPU.split(":")[0])
    # killed on the GPU, resumed on the CPU: the GPU run's weights
    original_step, calls = torch.optim.Adam.step, {"n": 0}

    def step_then_die(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt("killed")
        return original_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", step_then_die)
    with pytest.raises(KeyboardInterrupt):
        train(dataset, MODEL, SETTINGS, tmp_path / "moved.pt", device=GPU)
    monkeypatch.setattr(torch.optim.Adam, "step", original_step)
    assert trainer_module.checkpoint_path(tmp_path / "moved.pt").exists()
    moved = load_student(train(dataset, MODEL, SETTINGS, tmp_path / "moved.pt", device="cpu"))
    for name, value in weights["gpu"].state_dict().items():
        assert relative(moved.state_dict()[name], value) <= 1e-6, name


def test_chgnet_labels_on_cuda_equal_the_cpu_and_batch(tmp_path):
    frames = write_perturbed_waters(tmp_path / "frames.extxyz", 6, seed=2, scale=0.03, box_seed=2)
    runs = {}
    for name, device, batch_size in (("cpu", "cpu", 1), ("gpu", GPU, 1), ("batched", GPU, 3)):
        runs[name] = read_trajectory(label_frames(frames, resolve("chgnet-0.3.0"), tmp_path / f"{name}.nc",
                                                  device=device, batch_size=batch_size, validation_fraction=0.17,
                                                  test_fraction=0.17))
    assert runs["gpu"].attrs["device"].startswith(GPU.split(":")[0])
    for other in ("gpu", "batched"):
        for key in ("energy", "forces", "stress"):
            assert np.abs(runs[other][key].values - runs["cpu"][key].values).max() <= 1e-4, (other, key)
