"""Distil CHGNet 0.3.0 into small students on liquid water; accuracy, BECs and speed against teachers.

Teacher MD: 32 H2O (0.997 g/cm³), CHGNet 0.3.0, BFGS pre-relaxation, Bussi NVT 300 K, time step
``--timestep`` (default 0.5 fs), frames every ``--stride`` steps (default 40 = 20 fs); ``--frames``
(default 300), 5/6 train (5 % of them validation) and 1/6 test. Students:
``mace`` (small: 2 interactions, 16 channels, L = 1, r_max 4.5 Å) and ``cace`` (r_c 5 Å, 16 channels), both with
the LES head, each trained within ``--minutes`` (default 60) on this CPU. Records energy and force
RMSE against the teacher on the test frames, mean BEC of O and H, and energy + forces time and MD
steps/s of students (float32, their training precision) and teachers (CHGNet, GFN1-xTB, SevenNet-0
through its own environment) on 32- and 64-molecule boxes, with ``speedup_vs_<teacher>`` = student MD steps/s ÷ teacher MD steps/s.

Usage: python benchmarks/distill_water.py [--quick] [--frames N --stride S --timestep FS --minutes M]
To train the two students side by side on one core each, first run ``--train-only --students mace
--threads 1`` and, once the labels exist, ``--train-only --students cace --threads 1``; then the plain
command re-times everything on the idle machine and writes the results.
→ benchmarks/results/distill_water.json (--quick: 40 frames, stride 4, 2 minutes per student, results to
distill_water_quick.json). Every stage resumes: the teacher MD and labels from their checkpoints, and
a student already written to the work directory is reused, so a second run only re-times.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from ase.optimize import BFGS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, write_results  # noqa: E402
from teachers import ROOT, time_calculator, time_teacher  # noqa: E402

from lesdistill import StudentCalculator  # noqa: E402
from lesdistill.label import label_frames  # noqa: E402
from lesdistill.md import MDSettings, run_md, to_atoms  # noqa: E402
from lesdistill.systems import water_box  # noqa: E402
from lesdistill.teachers import load_teacher, resolve  # noqa: E402
from lesdistill.training import TrainSettings, evaluate_student, train  # noqa: E402

TEACHER = "chgnet-0.3.0"
STUDENTS = {
    "mace": {"backbone": "mace", "backbone_config": {"atomic_numbers": [1, 8], "r_max": 4.5, "num_interactions": 2,
                                                     "channels": 16, "max_L": 1, "correlation": 2,
                                                     "avg_num_neighbors": 20.0}},
    "cace": {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 5.0, "n_radial": 8,
                                                     "n_embed": 2, "n_channels": 16, "l_max": 2, "nu_max": 3,
                                                     "mlp": [32, 16], "avg_neighbors": 20.0}},
}


def teacher_dataset(folder: Path, n_frames: int, stride: int, timestep_fs: float) -> Path:
    """Relax, run CHGNet MD and label its frames (5/6 train + validation, 1/6 test); the labels of an
    earlier run when they exist."""
    if (folder / "labels.nc").exists():
        return folder / "labels.nc"
    calculator = load_teacher(TEACHER)
    atoms = water_box(32, seed=0)
    atoms.calc = calculator
    BFGS(atoms, logfile=None).run(fmax=0.03, steps=300)
    settings = MDSettings(ensemble="nvt", thermostat="bussi", timestep_fs=timestep_fs, temperature_K=300, thermostat_time_fs=20,
                          equilibration_steps=200, production_steps=n_frames * stride, sample_stride=stride,
                          checkpoint_every=stride * 10, seed=0)
    trajectory = run_md(atoms, calculator, settings, folder / "teacher_md.nc", calculator_id=TEACHER)
    return label_frames(trajectory, resolve(TEACHER), folder / "labels.nc", validation_fraction=0.05 * 5 / 6,
                        test_fraction=1 / 6)


def mean_bec(student: Path, dataset: Path) -> dict[int, float]:
    calculator = StudentCalculator(student)
    values: dict[int, list[float]] = {1: [], 8: []}
    for atoms in to_atoms(dataset, [0, 1, 2]):
        atoms.calc = calculator
        bec = calculator.get_bec(atoms)
        for number in values:
            values[number].append(np.trace(bec[atoms.numbers == number], axis1=1, axis2=2).mean() / 3)
    return {number: float(np.mean(v)) for number, v in values.items()}


def sevennet_speed() -> dict[str, tuple[float, str]]:
    python = os.environ.get("LESDISTILL_SEVENN_PYTHON", str(ROOT / ".venv-sevenn" / "bin" / "python"))
    if not Path(python).exists():
        print("SevenNet environment not found: SevenNet not timed")
        return {}
    script = str(Path(__file__).resolve().parent / "teachers.py")
    result = subprocess.run([python, script, "--teachers", "sevennet-0", "--print-json"], capture_output=True, text=True,
                            check=True)
    return {k: tuple(v) for k, v in json.loads(result.stdout.splitlines()[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few minutes instead of about three hours")
    parser.add_argument("--minutes", type=float, default=None, help="training time per student (default 60, quick 2)")
    parser.add_argument("--frames", type=int, default=None, help="teacher frames (default 300, quick 40)")
    parser.add_argument("--stride", type=int, default=None, help="MD steps between frames (default 40, quick 4)")
    parser.add_argument("--timestep", type=float, default=0.5, help="teacher MD time step in fs (default 0.5)")
    parser.add_argument("--students", nargs="*", choices=sorted(STUDENTS), default=list(STUDENTS),
                        help="students to train (default all; none with --train-only: only the labels)")
    parser.add_argument("--train-only", action="store_true", help="make the labels and train; no timing, no results")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "results" / "benchmarks" / "distill_water")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n_frames = args.frames or (40 if args.quick else 300)
    stride = args.stride or (4 if args.quick else 40)
    minutes = args.minutes or (2.0 if args.quick else 60.0)
    args.workdir.mkdir(parents=True, exist_ok=True)
    dataset = teacher_dataset(args.workdir, n_frames, stride, args.timestep)
    settings = TrainSettings(epochs=100_000, batch_size=4, lr=0.01, stage_two_epoch=None, ema_decay=0.99,
                             plateau_patience=20, dtype="float32", checkpoint_every=500, time_limit_minutes=minutes)
    for name in args.students:
        if not (args.workdir / f"{name}.pt").exists():
            train(dataset, STUDENTS[name], settings, args.workdir / f"{name}.pt")
    if args.train_only:
        return
    metrics: dict[str, tuple[float, str]] = {}
    for name in (TEACHER, "gfn1-xtb"):
        metrics.update(time_teacher(name))
    metrics.update(sevennet_speed())
    for name in args.students:
        student = args.workdir / f"{name}.pt"
        errors = evaluate_student(student, dataset, split="test")
        metrics[f"{name}_test_forces_rmse"] = (errors["forces_rmse_mev_a"], "meV/Å")
        metrics[f"{name}_test_energy_rmse"] = (errors["energy_rmse_mev_atom"], "meV/atom")
        for number, value in mean_bec(student, dataset).items():
            metrics[f"{name}_mean_bec_{'O' if number == 8 else 'H'}"] = (value, "e")
        metrics.update(time_calculator(name, StudentCalculator(student, dtype="float32")))  # trained in float32
        for teacher in (TEACHER, "gfn1-xtb", "sevennet-0"):
            for atoms in (96, 192):
                key = f"{teacher}_{atoms}_atoms_md"
                if key in metrics:
                    ratio = metrics[f"{name}_{atoms}_atoms_md"][0] / metrics[key][0]
                    metrics[f"speedup_vs_{teacher}_{name}_{atoms}_atoms"] = (ratio, "x")
    script = "distill_water_quick" if args.quick else "distill_water"
    metrics["teacher_frames"] = (n_frames, "frames")
    metrics["teacher_frame_interval"] = (args.timestep * stride, "fs")
    metrics["training_time_per_student"] = (minutes, "min")
    print(f"wrote {write_results(script, machine(args.threads), metrics)}")


if __name__ == "__main__":
    main()
