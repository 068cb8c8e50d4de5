"""``lesdistill md``: run (or resume) MD of a structure with a teacher, a student or a test potential into a
netCDF trajectory.

Re-running the same command after an interruption resumes from the last checkpoint; once the trajectory
exists the command does nothing. Existing files from other settings are never overwritten.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..md import CALCULATORS, MDSettings, calculator_from_name, load_settings, read_trajectory, run_md, write_extxyz
from ..teachers import apply_charge_and_spin, load_teacher, teacher_device
from ..calculator import StudentCalculator
from ..io.hashing import sha256_of
from ..io.records import MadeFrom
from ..io.structures import read_structures
from ..teachers.checkpoints import bundled_name
from .options import made_from_args
from .teacher_options import add_teacher_options, teacher_spec

NAME = "md"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="run MD with a calculator, writing a netCDF trajectory (resumable)")
    parser.add_argument("structure", type=Path, help="start structure (any ASE format)")
    parser.add_argument("--index", type=int, default=-1, help="which frame of the structure file (default last)")
    source = parser.add_mutually_exclusive_group(required=True)
    add_teacher_options(parser, teacher_group=source, required=False)
    source.add_argument("--student", type=Path, help="student file (`lesdistill train`) instead of a teacher")
    source.add_argument("--calculator", choices=sorted(CALCULATORS), help="analytic test potential instead of a teacher")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64",
                        help="student precision (default float64)")
    parser.add_argument("--settings", type=Path, default=None,
                        help="MD settings, YAML or JSON mapping of MDSettings fields (default: MDSettings())")
    parser.add_argument("-o", "--output", type=Path, required=True, help="trajectory path (netCDF, e.g. md.nc)")
    parser.add_argument("--extxyz", type=Path, default=None, help="also export the frames to this extxyz file")
    parser.add_argument("--end-on-guard", action="store_true",
                        help="when a guard trips, finish the trajectory with the frames sampled before it (its "
                             "stopped_by_guard attribute says why) instead of failing; for exploration MD")
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The structure, the potential (teacher and its catalog's SHA-256, student file or test potential) and settings."""
    teacher_sha256 = teacher_spec(args).sha256 if args.teacher is not None else None
    return made_from_args(args, NAME, ("structure", "student", "settings", "catalog"), teacher_sha256=teacher_sha256)


def run(args: argparse.Namespace) -> None:
    settings = load_settings(args.settings) if args.settings is not None else MDSettings()
    atoms = read_structures(args.structure, args.index)[0]
    if args.teacher is not None:
        spec = teacher_spec(args)
        device = teacher_device(spec, args.device)
        calculator = load_teacher(spec, device=device)
        apply_charge_and_spin(atoms, spec, args.charge, args.spin)
        identity = spec.id
        metadata = {"teacher": spec.id, "teacher_checkpoint": spec.checkpoint or "none",
                    "teacher_sha256": spec.sha256 or "unverified", "level_of_theory": spec.level_of_theory,
                    "device": device}
        if bundled_name(spec):
            metadata["teacher_checkpoint"] = f"{spec.checkpoint} ({spec.package} wheel)"
    elif args.student is not None:
        if not args.student.is_file():
            raise ValueError(f"student file {args.student} does not exist")
        calculator = StudentCalculator(args.student, device=args.device, dtype=args.dtype)
        identity = f"student:{sha256_of(args.student)}:{args.dtype}"
        metadata = {"student": str(args.student), "student_sha256": sha256_of(args.student),
                    "device": str(calculator.device), "dtype": args.dtype}
    else:
        calculator, identity, metadata = calculator_from_name(args.calculator), args.calculator, {"device": "cpu"}
    path = run_md(atoms, calculator, settings, args.output, calculator_id=identity, metadata=metadata,
                  end_on_guard=args.end_on_guard, overwrite=args.overwrite)
    data = read_trajectory(path)
    print(f"{data.sizes['frame']} frames of {data.sizes['atom']} atoms, mean temperature "
          f"{float(data.temperature.mean()):.1f} K -> {path}")
    if args.extxyz is not None:
        print(f"wrote {write_extxyz(data, args.extxyz)}")
