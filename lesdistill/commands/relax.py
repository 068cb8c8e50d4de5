"""``lesdistill relax``: relax a structure with a teacher (BFGS) before MD, as the paper does (fmax 0.03 eV/Å)."""

from __future__ import annotations

import argparse
from pathlib import Path

import ase.io
import numpy as np
from ase.optimize import BFGS

from ..config import SamplingConfig
from ..io.atomic import atomic_path
from ..io.records import MadeFrom
from ..io.structures import read_structures
from ..teachers import apply_charge_and_spin, load_teacher, teacher_device
from .options import add_settings_option, check_options, field_default, made_from_args
from .teacher_options import add_teacher_options, teacher_spec

NAME = "relax"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="relax atomic positions with a teacher (BFGS), fixed cell")
    parser.add_argument("structure", type=Path, help="start structure (any ASE format; last frame used)")
    add_teacher_options(parser)
    fmax, steps = field_default(SamplingConfig, "relax_fmax"), field_default(SamplingConfig, "relax_steps")
    parser.add_argument("--fmax", type=float, default=fmax, help=f"force convergence in eV/Å (default {fmax})")
    parser.add_argument("--steps", type=int, default=steps, help=f"maximum BFGS steps (default {steps})")
    add_settings_option(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, help="relaxed structure (extxyz)")
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The structure, the teacher (and its catalog's SHA-256) and the BFGS options (the config's ranges)."""
    check_options(args, SamplingConfig, {"relax_fmax": "fmax", "relax_steps": "steps"})
    return made_from_args(args, NAME, ("structure", "catalog"), teacher_sha256=teacher_spec(args).sha256)


def run(args: argparse.Namespace) -> None:
    spec = teacher_spec(args)
    atoms = read_structures(args.structure, -1)[0]
    device = teacher_device(spec, args.device)
    atoms.calc = load_teacher(spec, device=device)
    apply_charge_and_spin(atoms, spec, args.charge, args.spin)
    start = atoms.get_potential_energy()
    converged = BFGS(atoms, logfile="-").run(fmax=args.fmax, steps=args.steps)
    final_fmax = float(np.linalg.norm(atoms.get_forces(), axis=1).max())
    atoms.info.update(relaxed_with=spec.id, relax_fmax=args.fmax, relax_converged=bool(converged),
                      relax_device=device)
    with atomic_path(args.output) as tmp:
        ase.io.write(tmp, atoms, format="extxyz")
    status = "converged" if converged else f"NOT converged in {args.steps} steps"
    print(f"{status}: energy {start:.4f} -> {atoms.get_potential_energy():.4f} eV, max force {final_fmax:.4f} eV/Å "
          f"-> {args.output}")
