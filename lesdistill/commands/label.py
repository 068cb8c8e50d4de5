"""``lesdistill label``: evaluate a teacher on frames into a labelled, split dataset (resumable)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import xarray as xr

from ..config import LabellingConfig
from ..io.records import MadeFrom
from ..label import SPLIT_NAMES, export_extxyz, label_frames
from .options import add_settings_option, check_options, field_default, made_from_args
from .teacher_options import add_teacher_options, teacher_spec

NAME = "label"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="label frames with a teacher (energy, forces, stress) into netCDF")
    parser.add_argument("frames", type=Path, help="lesdistill trajectory (netCDF) or any ASE-readable file")
    add_teacher_options(parser)
    default = {name: field_default(LabellingConfig, name) for name in LabellingConfig.model_fields}
    parser.add_argument("--stride", type=int, default=default["stride"],
                        help=f"use every STRIDE-th frame (default {default['stride']})")
    parser.add_argument("--max-frames", type=int, default=None, help="label at most this many frames")
    parser.add_argument("--validation-fraction", type=float, default=default["validation_fraction"],
                        help=f"fraction of the training frames held out (default {default['validation_fraction']})")
    parser.add_argument("--test-fraction", type=float, default=default["test_fraction"],
                        help=f"fraction of all frames for testing (default {default['test_fraction']})")
    parser.add_argument("--seed", type=int, default=default["seed"],
                        help=f"seed of the train/validation/test split (default {default['seed']})")
    parser.add_argument("--chunk", type=int, default=default["chunk"], help="frames per written chunk, the resume "
                        f"granularity (default {default['chunk']}; at least --batch-size)")
    parser.add_argument("--batch-size", type=int, default=default["batch_size"],
                        help="frames per teacher call for teachers that evaluate batches (CHGNet, SevenNet, MACE, students; "
                             f"others: one at a time, said in the log); halved on out-of-memory (default {default['batch_size']})")
    add_settings_option(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, help="labelled dataset (netCDF)")
    parser.add_argument("--extxyz", type=Path, default=None, help="also export the dataset to extxyz")
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The frames, the teacher (and its catalog's SHA-256) and the split options (the config's ranges)."""
    check_options(args, LabellingConfig, {name: name for name in ("validation_fraction", "test_fraction", "seed",
                                                                  "chunk", "stride")})
    if args.max_frames is not None and args.max_frames < 1:
        raise ValueError(f"--max-frames {args.max_frames}: must be at least 1")
    if args.validation_fraction + args.test_fraction >= 1:
        raise ValueError(f"--validation-fraction + --test-fraction must be below 1, got "
                         f"{args.validation_fraction + args.test_fraction}")
    return made_from_args(args, NAME, ("frames", "catalog"), teacher_sha256=teacher_spec(args).sha256)


def run(args: argparse.Namespace) -> None:
    spec = teacher_spec(args)
    path = label_frames(args.frames, spec, args.output, device=args.device, stride=args.stride,
                        max_frames=args.max_frames, validation_fraction=args.validation_fraction,
                        test_fraction=args.test_fraction, seed=args.seed, charge=args.charge, spin=args.spin,
                        chunk=args.chunk, batch_size=args.batch_size, overwrite=args.overwrite)
    with xr.open_dataset(path) as data:
        counts = np.bincount(data.split.values, minlength=3)
        print(f"{data.sizes['frame']} frames labelled by {spec.id} ("
              + ", ".join(f"{n} {name}" for n, name in zip(counts, SPLIT_NAMES)) + f") -> {path}")
    if args.extxyz is not None:
        print(f"wrote {export_extxyz(path, args.extxyz)}")
