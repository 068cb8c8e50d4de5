"""Cost of the response stage against the MD that feeds it, for the two student backbones.

For a student (``cace``, ``mace`` small; random weights, the cost does not depend on them) on 64 H2O
and on 343 H2O (1029 atoms), in float32 and float64, in one run:
  - ``calculator_loop``: per frame, an ASE calculator call for energy, forces and BECs, then J = Σ Z*·v
    (what the reference scripts do);
  - ``bec_loop``: per frame, only the full BEC tensors (charges forward + 6 backward passes) and J;
  - ``current``: the charge-flux current of ``lesdistill response`` (per-atom Z*·v without tensors),
    batched over a chunk of frames, per frame;
  - ``md_step``: one energy + forces evaluation of the same student (one velocity-Verlet step).
Metrics: seconds for each, ``current_speedup_vs_calculator_loop`` and ``_vs_bec_loop``, ``response_over_md`` = cost of the
current per frame ÷ cost of the MD between two frames when J is sampled every 2 fs (Nyquist 8340
cm⁻¹) from MD with a 0.5 fs step (4 steps per frame); the goal is ≤ 1.

Usage: python benchmarks/response.py [--threads 2]   → benchmarks/results/response.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, median_seconds, write_results  # noqa: E402
from distill_water import STUDENTS  # noqa: E402

from lesdistill import StudentCalculator  # noqa: E402
from lesdistill.models.student import Student, load_student, save_student  # noqa: E402
from lesdistill.response import frame_becs, frame_currents  # noqa: E402
from lesdistill.systems import water_box  # noqa: E402

SIZES = (64, 343)
CHUNK = 8
MD_STEPS_PER_FRAME = 4  # 2 fs between current samples at a 0.5 fs MD step


def frames_of(n_molecules: int, n_frames: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions and velocities (F, N, 3) of jittered copies of one water box, cells (F, 3, 3), numbers (N,)."""
    atoms = water_box(n_molecules, seed=1)
    rng = np.random.default_rng(0)
    positions = atoms.positions + rng.normal(scale=0.02, size=(n_frames, len(atoms), 3))
    velocities = rng.normal(scale=0.01, size=positions.shape)
    cells = np.repeat(atoms.cell.array[None], n_frames, axis=0)
    return positions, velocities, cells, atoms.numbers


def time_student(name: str, path: Path, n_molecules: int, dtype: str) -> dict[str, tuple[float, str]]:
    model = load_student(path, dtype=getattr(torch, dtype))
    positions, velocities, cells, numbers = frames_of(n_molecules, CHUNK)
    repeats = 3 if n_molecules <= 64 else 1

    def bec_loop() -> None:
        for f in range(2):
            bec = frame_becs(model, positions[f:f + 1], cells[f:f + 1], numbers, 1.0)
            np.einsum("fnab,fnb->fa", bec, velocities[f:f + 1])

    loop = median_seconds(bec_loop, repeats) / 2
    current = median_seconds(lambda: frame_currents(model, positions, velocities, cells, numbers, 1.0), repeats) / CHUNK
    atoms = water_box(n_molecules, seed=1)
    atoms.calc = StudentCalculator(path, dtype=dtype)

    def calculator_loop() -> None:
        for f in range(2):
            atoms.positions = positions[f]
            atoms.get_forces()
            np.einsum("nab,nb->a", atoms.calc.get_bec(atoms), velocities[f])

    calculator = median_seconds(calculator_loop, repeats) / 2
    rng = np.random.default_rng(1)
    reference = atoms.positions.copy()

    def md_step() -> None:
        atoms.positions = reference + rng.normal(scale=0.01, size=reference.shape)
        atoms.get_forces()

    step = median_seconds(md_step, repeats)
    key = f"{name}_{3 * n_molecules}_atoms_{dtype}"
    print(f"{key:28s} calculator loop {calculator:8.4f}, BEC loop {loop:8.4f}, current {current:8.4f} s/frame, "
          f"MD step {step:8.4f} s", flush=True)
    return {f"{key}_calculator_loop": (calculator, "s/frame"), f"{key}_bec_loop": (loop, "s/frame"),
            f"{key}_current": (current, "s/frame"), f"{key}_md_step": (step, "s"),
            f"{key}_current_speedup_vs_calculator_loop": (calculator / current, "x"),
            f"{key}_current_speedup_vs_bec_loop": (loop / current, "x"),
            f"{key}_response_over_md": (current / (MD_STEPS_PER_FRAME * step), "x")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    metrics: dict[str, tuple[float, str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, config in STUDENTS.items():
            torch.manual_seed(0)
            path = save_student(Student(**config).double(), Path(folder) / f"{name}.pt")
            for n_molecules in SIZES:
                for dtype in ("float32", "float64"):
                    metrics.update(time_student(name, path, n_molecules, dtype))
    print(f"wrote {write_results('response', machine(args.threads), metrics)}")


if __name__ == "__main__":
    main()
