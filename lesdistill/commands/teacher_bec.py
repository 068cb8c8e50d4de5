"""``lesdistill teacher-bec``: Born effective charges of a teacher with its own charge model on labelled frames."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config.stages import TeacherBecConfig
from ..io.records import MadeFrom
from ..label import SPLIT_NAMES
from ..teacher_bec import write_teacher_becs
from .options import add_settings_option, check_options, field_default, made_from_args
from .teacher_options import add_teacher_options, teacher_spec

NAME = "teacher-bec"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="BECs of a teacher's own charges (SO3LR, GFN-xTB, SPC/Fw) on test frames")
    parser.add_argument("frames", type=Path, help="labelled set (`lesdistill label` netCDF, or extxyz with split)")
    add_teacher_options(parser)
    parser.add_argument("--split", choices=[*SPLIT_NAMES, "all"], default="test",
                        help="frames evaluated (default test)")
    parser.add_argument("--max-frames", type=int, default=None, help="evaluate at most this many frames")
    step = field_default(TeacherBecConfig, "step_A")
    parser.add_argument("--step", type=float, default=step,
                        help=f"finite-difference step (Å) where the teacher has no autograd charges (default {step})")
    add_settings_option(parser)
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="extxyz with per-atom BEC (9 components, e) and teacher_charges")
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The frames, the teacher (and its catalog's SHA-256), the split and the step."""
    check_options(args, TeacherBecConfig, {"step_A": "step"})
    if args.max_frames is not None and args.max_frames < 1:
        raise ValueError(f"--max-frames {args.max_frames}: must be at least 1")
    spec = teacher_spec(args)
    if not spec.charge_model:
        raise ValueError(f"teacher {spec.id!r} has no charge model (charge_model in the catalog): it gives no BECs")
    return made_from_args(args, NAME, ("frames", "catalog"), teacher_sha256=spec.sha256)


def run(args: argparse.Namespace) -> None:
    path = write_teacher_becs(args.frames, teacher_spec(args), args.output, split=args.split, max_frames=args.max_frames,
                              step=args.step, device=args.device, charge=args.charge, spin=args.spin,
                              overwrite=args.overwrite)
    print(f"wrote {path}")
