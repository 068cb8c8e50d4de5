"""GPU figures of the paper's stages, each next to the CPU figure of the same run where that fits.

On ``--device`` (default cuda) and, for comparison, on the CPU of the same machine:
  - student MD (ASE velocity Verlet with StudentCalculator): steps/s of the paper's CACE-LES (the
    TiO2–water student) and MACE-LES (the campaign's default student) at 192 and 1536 atoms of water
    and the 8748-atom TiO2(101)–water interface, float32 and float64, with peak GPU memory (MiB);
  - training: seconds per epoch on 500 frames of 64 H2O (the paper's water set size; random labels,
    the cost does not depend on them), the paper's batch size and float64;
  - response: seconds per frame of the dipole current (``lesdistill response``'s batched charge-flux
    current), and response ÷ MD cost with the current sampled every 4 MD steps (2 fs at 0.5 fs);
  - LES electrostatics: energy + forces by the k-space sum and by PME at the three sizes;
  - labelling: frames/s one at a time and batched, for CHGNet 0.3.0 and a CACE-LES student on 64 H2O.
Goals (issue 14): 8748-atom CACE-LES MD step ≤ 0.1 s; GPU training ≥ 10× the 2-core CPU per epoch;
response ≤ 1× MD at every size; batched labelling ≥ 3× one at a time on the GPU.

CPU figures are skipped above ``--cpu-max-atoms`` (default 1536) for MD and response. ``--quick``
runs tiny sizes and few repeats (a smoke test of this script; `--device cpu --quick` runs anywhere)
and writes a file only with ``--output``; a full run writes benchmarks/results/gpu.json.

Usage: python benchmarks/gpu.py [--device cuda] [--quick] [--output PATH] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from ase import Atoms, units
from ase.calculators.singlepoint import SinglePointCalculator
from ase.md.verlet import VelocityVerlet

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, machine  # noqa: E402

from lesdistill import StudentCalculator  # noqa: E402
from lesdistill.config import load_config  # noqa: E402
from lesdistill.device import resolve_device, synchronize  # noqa: E402
from lesdistill.electrostatics import ewald_energy  # noqa: E402
from lesdistill.label import frame_labels  # noqa: E402
from lesdistill.models.student import Student, save_student  # noqa: E402
from lesdistill.response import frame_currents  # noqa: E402
from lesdistill.systems import water_box  # noqa: E402
from lesdistill.teachers import load_teacher  # noqa: E402
from lesdistill.teachers.batched import batch_labeller  # noqa: E402
from lesdistill.training.trainer import Trainer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAPER = load_config(ROOT / "config" / "config.yaml", base_dir=ROOT, check_files=False)
CHARGES = {1: 0.41, 8: -0.82, 22: 1.64}  # e; only the cost matters (neutral for water, near-neutral for TiO2)
MD_STEPS_PER_FRAME = 4
Metrics = dict[str, tuple[float, str]]


def systems(quick: bool) -> dict[str, Atoms]:
    """The benchmark structures by name (atom count in the name)."""
    if quick:
        return {"water-24": water_box(8, seed=1)}
    return {"water-192": water_box(64, seed=1), "water-1536": water_box(512, seed=1),
            "tio2-water-8748": PAPER.systems["tio2-water"].build()}


def student_configs(quick: bool, elements: list[int]) -> dict[str, dict]:
    """CACE-LES (the paper's TiO2–water student) and MACE-LES (the campaign's default student)."""
    configs = {"cace": PAPER.student_model("tio2-water", elements), "mace": PAPER.student_model("water", elements)}
    if quick:  # small enough for a CPU smoke test
        configs["cace"]["backbone_config"].update(n_channels=4, l_max=2)
        configs["mace"]["backbone_config"].update(channels=8, num_interactions=1)
    return configs


def students(folder: Path, quick: bool) -> dict[str, Path]:
    """Random-weight students for H, O and Ti, saved under ``folder``."""
    configs = student_configs(quick, [1, 8, 22])
    paths = {}
    for name, config in configs.items():
        torch.manual_seed(0)
        model = Student(**config, element_energies={1: -13.6, 8: -432.0, 22: -1600.0})
        paths[name] = save_student(model, folder / f"{name}.pt")
    return paths


def seconds(fn: Callable[[], object], device: torch.device, repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn`` on ``device`` (synchronised) after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def peak_memory_mib(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def md_metrics(structures, paths, devices, cpu_max_atoms: int, steps: int) -> Metrics:
    metrics: Metrics = {}
    for system, atoms in structures.items():
        for student, path in paths.items():
            for dtype in ("float32", "float64"):
                for label, device in devices.items():
                    if label == "cpu" and len(atoms) > cpu_max_atoms:
                        continue
                    reset_peak(device)
                    moving = atoms.copy()
                    moving.calc = StudentCalculator(path, device=str(device), dtype=dtype)
                    moving.set_velocities(np.random.default_rng(0).normal(scale=0.005, size=(len(atoms), 3)))
                    dynamics = VelocityVerlet(moving, 0.5 * units.fs)
                    elapsed = seconds(lambda: dynamics.run(steps), device, repeats=1)
                    key = f"md_{student}_{system}_{dtype}_{label}"
                    metrics[f"{key}_steps_per_s"] = (steps / elapsed, "steps/s")
                    metrics[f"{key}_s_per_step"] = (elapsed / steps, "s")
                    if (memory := peak_memory_mib(device)) is not None:
                        metrics[f"{key}_peak_memory"] = (memory, "MiB")
    return metrics


def response_metrics(structures, paths, devices, md: Metrics, cpu_max_atoms: int, chunk: int) -> Metrics:
    from lesdistill.models.student import load_student

    metrics: Metrics = {}
    rng = np.random.default_rng(1)
    for system, atoms in structures.items():
        positions = atoms.positions + rng.normal(scale=0.02, size=(chunk, len(atoms), 3))
        velocities = rng.normal(scale=0.01, size=positions.shape)
        cells = np.repeat(atoms.cell.array[None], chunk, axis=0)
        for student, path in paths.items():
            for label, device in devices.items():
                if label == "cpu" and len(atoms) > cpu_max_atoms:
                    continue
                model = load_student(path, device=device, dtype=torch.float32)
                per_frame = seconds(lambda: frame_currents(model, positions, velocities, cells, atoms.numbers, 1.0),
                                    device, repeats=2) / chunk
                key = f"response_{student}_{system}_float32_{label}"
                metrics[f"{key}_s_per_frame"] = (per_frame, "s")
                step = md.get(f"md_{student}_{system}_float32_{label}_s_per_step")
                if step is not None:
                    metrics[f"{key}_over_md"] = (per_frame / (MD_STEPS_PER_FRAME * step[0]), "ratio")
    return metrics


def electrostatics_metrics(structures, devices, repeats: int) -> Metrics:
    metrics: Metrics = {}
    for system, atoms in structures.items():
        charges = np.array([CHARGES[int(z)] for z in atoms.numbers])
        charges -= charges.mean()
        for label, device in devices.items():
            p0 = torch.tensor(atoms.positions, dtype=torch.float64, device=device)
            cell = torch.tensor(atoms.cell.array, dtype=torch.float64, device=device)
            q = torch.tensor(charges, dtype=torch.float64, device=device)
            for method in ("kspace", "pme"):
                def energy_forces():
                    p = p0.clone().requires_grad_(True)
                    energy = ewald_energy(p, cell, q, sigma=1.0, dl=2.0, method=method)
                    torch.autograd.grad(energy, p)
                metrics[f"les_{method}_{system}_float64_{label}_s"] = (seconds(energy_forces, device, repeats), "s")
    return metrics


def training_metrics(folder: Path, devices, model: dict, n_molecules: int, n_frames: int) -> Metrics:
    """Seconds per epoch of ``model`` on ``n_frames`` random-label frames of ``n_molecules`` H2O (the water
    training settings of the paper config: batch size, loss, EMA; float64, one epoch)."""
    base = water_box(n_molecules, seed=2)
    rng = np.random.default_rng(3)
    frames = []
    for _ in range(n_frames):
        atoms = base.copy()
        atoms.positions += rng.normal(scale=0.03, size=atoms.positions.shape)
        atoms.calc = SinglePointCalculator(atoms, energy=float(rng.normal()), forces=rng.normal(size=(len(atoms), 3)))
        frames.append(atoms)
    dataset = folder / "frames.extxyz"
    import ase.io
    ase.io.write(dataset, frames)
    settings = PAPER.training_settings("water").model_copy(update={"epochs": 1, "dtype": "float64"})
    metrics: Metrics = {}
    for label, device in devices.items():
        if device.type == "cuda":  # CUDA context and kernels warm up on a few frames first
            Trainer(dataset, model, settings.model_copy(update={"epochs": 1}), folder / "warmup.pt",
                    device=str(device)).run()
            (folder / "warmup.pt").unlink()
        trainer = Trainer(dataset, model, settings, folder / f"train-{label}.pt", device=str(device))
        metrics[f"train_{model['backbone']}_epoch_{n_frames}x{3 * n_molecules}_float64_{label}_s"] = (
            seconds(trainer.run, device, repeats=1, warmup=0), "s")
    return metrics


def labelling_metrics(folder: Path, device: torch.device, student: Path, n_frames: int, batch_size: int) -> Metrics:
    """Frames/s one at a time and ``batch_size`` at a time on ``device`` (64 H2O, or 8 in quick mode)."""
    base = water_box(64 if n_frames > 8 else 8, seed=4)
    rng = np.random.default_rng(5)
    frames = []
    for _ in range(n_frames):
        atoms = base.copy()
        atoms.positions += rng.normal(scale=0.03, size=atoms.positions.shape)
        frames.append(atoms)
    labellers = {"chgnet-0.3.0": load_teacher("chgnet-0.3.0", device=str(device)),
                 "student-cace": StudentCalculator(student, device=str(device))}
    metrics: Metrics = {}
    for name, calculator in labellers.items():
        batched = batch_labeller(calculator)
        one = seconds(lambda: [frame_labels(atoms, calculator, True) for atoms in frames], device, repeats=1)
        many = seconds(lambda: [batched(frames[i:i + batch_size], True) for i in range(0, n_frames, batch_size)],
                       device, repeats=1)
        metrics[f"label_{name}_one_at_a_time_frames_per_s"] = (n_frames / one, "frames/s")
        metrics[f"label_{name}_batch{batch_size}_frames_per_s"] = (n_frames / many, "frames/s")
        metrics[f"label_{name}_batched_speedup"] = (one / many, "ratio")
    return metrics


def speedups(metrics: Metrics) -> Metrics:
    """CUDA over CPU of every figure measured on both (MD steps/s; training, electrostatics, response time)."""
    ratios: Metrics = {}
    for name, (value, unit) in metrics.items():
        if "_cuda_" not in name or (cpu := metrics.get(name.replace("_cuda_", "_cpu_"))) is None:
            continue
        if unit == "steps/s":
            ratios[name.replace("_cuda_", "_cuda_over_cpu_")] = (value / cpu[0], "ratio")
        elif unit == "s":
            ratios[name.replace("_cuda_", "_cuda_speedup_over_cpu_")] = (cpu[0] / value, "ratio")
    return ratios


def gpu_facts(device: torch.device) -> dict:
    if device.type != "cuda":
        return {"device": str(device)}
    properties = torch.cuda.get_device_properties(device)
    return {"device": str(device), "gpu": properties.name, "gpu_memory_mib": properties.total_memory / 2**20,
            "cuda": torch.version.cuda}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda", help="device measured against the CPU (default cuda)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and repeats: a smoke test of this script")
    parser.add_argument("--output", type=Path, default=None,
                        help="result file (default benchmarks/results/gpu.json; none with --quick)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--cpu-max-atoms", type=int, default=1536, help="largest system timed on the CPU for MD "
                        "and response (default 1536)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        device = resolve_device(args.device)
    except ValueError as error:
        parser.exit(2, f"benchmarks/gpu.py: error: {error}\n")
    devices = {device.type: device, "cpu": torch.device("cpu")}  # one entry when the device is the CPU
    output = args.output if args.output or args.quick else RESULTS / "gpu.json"
    quick = args.quick
    metrics: Metrics = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        structures, paths = systems(quick), students(folder, quick)
        metrics.update(electrostatics_metrics(structures, devices, repeats=1 if quick else 3))
        md = md_metrics(structures, paths, devices, args.cpu_max_atoms, steps=2 if quick else 20)
        metrics.update(md)
        metrics.update(response_metrics(structures, paths, devices, md, args.cpu_max_atoms, chunk=2 if quick else 8))
        metrics.update(training_metrics(folder, devices, student_configs(quick, [1, 8])["cace" if quick else "mace"],
                                        n_molecules=8 if quick else 64, n_frames=8 if quick else 500))
        metrics.update(labelling_metrics(folder, device, paths["cace"], n_frames=4 if quick else 64,
                                         batch_size=2 if quick else 16))
    metrics.update(speedups(metrics))
    payload = {"machine": {**machine(torch.get_num_threads()), **gpu_facts(device)}, "quick": quick,
               "metrics": {k: {"value": v, "unit": u} for k, (v, u) in metrics.items()}}
    for name, (value, unit) in metrics.items():
        print(f"{name:70s} {value:12.5g} {unit}")
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {output}")


if __name__ == "__main__":
    main()
