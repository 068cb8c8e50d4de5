"""Time the teachers that run on this machine: energy + forces per structure and MD steps/s.

Water boxes of 32 and 64 H2O at 0.997 g/cm³; one evaluation = energy + forces of a fresh geometry
(median of 3 after a warm-up); MD = ASE Langevin at 300 K, 0.5 fs, 5 steps after 2 warm-up steps.
Teachers of other environments (SevenNet) are timed by re-running this script in their interpreter
(``LESDISTILL_SEVENN_PYTHON``, default ``.venv-sevenn/bin/python``) and merged into one table.
These numbers are the baseline the students must beat.

Usage: python benchmarks/teachers.py   → benchmarks/results/teachers.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from ase import units
from ase.md.langevin import Langevin

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, median_seconds, write_results  # noqa: E402

from lesdistill.systems import water_box  # noqa: E402
from lesdistill.teachers import load_teacher  # noqa: E402

BASE_TEACHERS = ("spcfw", "chgnet-0.3.0", "chgnet-r2scan", "gfn1-xtb", "gfn2-xtb")
SEVENN_TEACHERS = ("sevennet-0", "sevennet-mf-0-pbe")
SIZES = (32, 64)
ROOT = Path(__file__).resolve().parent.parent


def time_teacher(teacher: str) -> dict[str, tuple[float, str]]:
    return time_calculator(teacher, load_teacher(teacher))


def time_calculator(name: str, calculator) -> dict[str, tuple[float, str]]:
    """Seconds per energy + forces and Langevin MD steps/s of ``calculator`` on 32 and 64 H2O."""
    metrics = {}
    for n_molecules in SIZES:
        atoms = water_box(n_molecules, seed=1)
        atoms.calc = calculator
        rng = np.random.default_rng(0)
        reference = atoms.positions.copy()

        def evaluate():
            atoms.positions = reference + rng.normal(scale=0.01, size=reference.shape)
            atoms.get_potential_energy()
            atoms.get_forces()

        seconds = median_seconds(evaluate, repeats=3)
        atoms.positions = reference
        dynamics = Langevin(atoms, 0.5 * units.fs, temperature_K=300, friction=0.01, fixcm=False,
                            rng=np.random.default_rng(1))
        dynamics.run(2)
        start = time.perf_counter()
        dynamics.run(5)
        steps_per_second = 5 / (time.perf_counter() - start)
        metrics[f"{name}_{3 * n_molecules}_atoms_energy_forces"] = (seconds, "s")
        metrics[f"{name}_{3 * n_molecules}_atoms_md"] = (steps_per_second, "steps/s")
        print(f"{name:22s} {3 * n_molecules:4d} atoms: {seconds:7.3f} s/eval, {steps_per_second:6.2f} MD steps/s", flush=True)
    return metrics


def other_environment(python: str, teachers: tuple[str, ...]) -> dict[str, tuple[float, str]]:
    """Run this script for ``teachers`` in another interpreter and collect its metrics."""
    result = subprocess.run([python, __file__, "--teachers", *teachers, "--print-json"], capture_output=True, text=True, check=True)
    sys.stdout.write("".join(line + "\n" for line in result.stdout.splitlines()[:-1]))
    return {k: tuple(v) for k, v in json.loads(result.stdout.splitlines()[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teachers", nargs="+", default=list(BASE_TEACHERS))
    parser.add_argument("--print-json", action="store_true", help="print metrics as JSON (for a parent run)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    metrics: dict[str, tuple[float, str]] = {}
    for teacher in args.teachers:
        metrics.update(time_teacher(teacher))
    if args.print_json:
        print(json.dumps(metrics))
        return
    sevenn_python = os.environ.get("LESDISTILL_SEVENN_PYTHON", str(ROOT / ".venv-sevenn" / "bin" / "python"))
    if Path(sevenn_python).exists():
        metrics.update(other_environment(sevenn_python, SEVENN_TEACHERS))
    else:
        print(f"SevenNet environment {sevenn_python} not found: SevenNet not timed")
    print(f"wrote {write_results('teachers', machine(2), metrics)}")


if __name__ == "__main__":
    main()
