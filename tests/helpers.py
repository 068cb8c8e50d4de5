"""Test helpers: random structures, finite differences, killing a run mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import torch


def random_cell(generator: torch.Generator, length: float = 10.0, skew: float = 0.25) -> torch.Tensor:
    """A random triclinic cell (3, 3) in Å, rows are lattice vectors, well conditioned."""
    return length * (torch.eye(3, dtype=torch.float64) + skew * (torch.rand(3, 3, generator=generator, dtype=torch.float64) - 0.5))


def random_structure(seed: int, n_atoms: int = 24, length: float = 10.0, skew: float = 0.25, neutral: bool = True):
    """(positions (N, 3), cell (3, 3), charges (N,)) in float64 with random fractional positions."""
    generator = torch.Generator().manual_seed(seed)
    cell = random_cell(generator, length, skew)
    positions = torch.rand(n_atoms, 3, generator=generator, dtype=torch.float64) @ cell
    charges = torch.randn(n_atoms, generator=generator, dtype=torch.float64)
    if neutral:
        charges = charges - charges.mean()
    return positions, cell, charges


def central_difference(fn, x: torch.Tensor, h: float) -> torch.Tensor:
    """Central finite-difference gradient of scalar fn at x (any shape), float64."""
    grad = torch.zeros_like(x)
    flat = grad.view(-1)
    for idx in range(x.numel()):
        step = torch.zeros_like(x).view(-1)
        step[idx] = h
        step = step.view_as(x)
        flat[idx] = (fn(x + step) - fn(x - step)) / (2 * h)
    return grad



def kill_after_frames(command: list[str], partial: Path, frames: int, timeout: float = 120.0,
                      env: dict[str, str] | None = None) -> None:
    """Start ``command`` in its own process group and SIGKILL the whole group (the command and anything
    it started) once ``partial`` (a trajectory being written) holds ``frames`` frames."""
    from lesdistill.md.trajectory import count_frames

    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                               start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if partial.exists() and count_frames(partial) >= frames:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the run ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def write_perturbed_waters(path: Path, n_frames: int, seed: int, scale: float, box_seed: int) -> Path:
    """``n_frames`` copies of an 8-molecule water box with Gaussian noise (``scale`` Å) in one extxyz file."""
    import ase.io
    import numpy as np

    from lesdistill.systems import water_box

    base = water_box(8, seed=box_seed)
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(n_frames):
        atoms = base.copy()
        atoms.positions += rng.normal(scale=scale, size=atoms.positions.shape)
        frames.append(atoms)
    ase.io.write(path, frames)
    return path


def write_mixed_waters(path: Path, source: Path) -> Path:
    """The frames of ``source`` (water boxes) with every other one a molecule short: frames of two sizes."""
    import ase.io

    frames = ase.io.read(source, index=":")
    ase.io.write(path, [atoms if i % 2 else atoms[:-3] for i, atoms in enumerate(frames)], format="extxyz")
    return path


#: quality gate every tiny student passes (a 10-step probe)
LOOSE_GATE = ("{max_force_rmse_mev_a: 1.0e+6, max_energy_rmse_mev_atom: 1.0e+6, probe_steps: 10, "
              "probe_max_temperature_deviation_K: 1.0e+4, probe_max_drift_mev_atom_ps: 1.0e+6}")


def tiny_workflow_config(workdir: Path, rounds: int = 0, student_md_steps: int = 80, quality: str = LOOSE_GATE) -> Path:
    """A one-cell campaign small enough to run every stage in about a minute (spcfw teacher, 8 H2O),
    with ``rounds`` iterative rounds of 6 frames, ``student_md_steps`` production steps of student MD
    and the ``quality`` section (flow-style YAML)."""
    settings = workdir / "md.yaml"
    settings.write_text("ensemble: nvt\nthermostat: bussi\ntimestep_fs: 0.5\nequilibration_steps: 2\n"
                        "production_steps: 24\nsample_stride: 2\ncheckpoint_every: 4\n")
    config = workdir / "tiny.yaml"
    config.write_text(
        f"teachers: [spcfw]\nsampling: {{relax_fmax: 0.1, relax_steps: 100, settings: {settings}}}\n"
        "labelling: {validation_fraction: 0.2, test_fraction: 0.2, seed: 0}\n"
        "systems:\n  water:\n    builder: water\n    molecules: 8\n    density: 0.997\n    seed: 1\n"
        "    charges: {O: -0.82, H: 0.41}\n    epsilon_inf: 1.78\n"
        "student: {backbone: cace, backbone_config: {cutoff: 3.5, n_radial: 4, n_embed: 2, n_channels: 4, l_max: 1,"
        " nu_max: 2, mlp: [8]}}\n"
        "training: {epochs: 2, batch_size: 4}\n"
        f"iterative: {{rounds: {rounds}, frames_per_round: 6, epochs: 1}}\n"
        "student_md: {ensemble: nvt, thermostat: bussi, timestep_fs: 0.5, equilibration_steps: 0,"
        f" production_steps: {student_md_steps}, sample_stride: 2, checkpoint_every: 40, max_temperature_K: 5000}}\n"
        "response: {bec_stride: 5}\n"
        "ir: {block_length_fs: 20, overlap: 0.5}\n"
        "figures: {formats: [png], dpi: 60}\n"
        f"quality: {quality}\n"
    )
    return config
