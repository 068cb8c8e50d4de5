"""``lesdistill response``: the dipole current (total and per group) and BEC statistics along a student
trajectory (resumable)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import ResponseConfig, SystemSection
from ..decomposition import DECOMPOSITIONS, SLAB_CHOICES, SURFACES, WATER_LAYER_CUTS
from ..device import add_device_option
from ..io.records import MadeFrom
from ..response import response_along_trajectory
from .options import add_settings_option, check_options, field_default, made_from_args

NAME = "response"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="dipole current J = Σ Z*·v (total, per group) and BEC statistics "
                                              "along a trajectory")
    parser.add_argument("trajectory", type=Path, help="MD trajectory with velocities (netCDF from `lesdistill md`)")
    parser.add_argument("--student", type=Path, required=True, help="student file whose latent charges give the BECs")
    default = {name: field_default(ResponseConfig, name) for name in ResponseConfig.model_fields}
    parser.add_argument("--stride", type=int, default=default["stride"],
                        help=f"use every STRIDE-th frame (default {default['stride']})")
    parser.add_argument("--bec-stride", type=int, default=default["bec_stride"], help="full BEC tensors (statistics, "
                        f"density profile) on every N-th used frame (default {default['bec_stride']})")
    parser.add_argument("--groups", choices=DECOMPOSITIONS, default=None,
                        help="also write the current of each group: hcl (hydronium core, first shell, bulk water, "
                             "chloride), hcl-complex (the paper's: hydronium core, every other atom within 3 Å of a "
                             "hydronium O, the rest) or water-layers (slab, water layers by distance from the surface, "
                             "bulk)")
    parser.add_argument("--layer-cuts", type=float, nargs="+", default=list(WATER_LAYER_CUTS), metavar="Å",
                        help=f"water-layer boundaries, O–surface distance (default {' '.join(map(str, WATER_LAYER_CUTS))})")
    parser.add_argument("--surface", choices=SURFACES, default=default["surface"],
                        help="water-layers: surface plane from the mean height of the outermost slab layer or the "
                             f"outermost slab atom (default {default['surface']})")
    parser.add_argument("--slab", choices=SLAB_CHOICES, default=default["slab"], help="water-layers: slab atoms "
                        f"from the first frame, kept, or found per frame (default {default['slab']})")
    parser.add_argument("--epsilon-inf", type=float, default=1.0, help="ε∞; BECs are scaled by √ε∞ (default 1)")
    parser.add_argument("--chunk", type=int, default=default["chunk"], help="frames per written chunk and per "
                        f"batched evaluation, halved on out-of-memory (default {default['chunk']})")
    add_settings_option(parser)
    add_device_option(parser, "the student's charges and their gradients")
    parser.add_argument("-o", "--output", type=Path, required=True, help="response netCDF")
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The trajectory, the student and the options (the config's ranges: strides ≥ 1, ε∞ > 0)."""
    check_options(args, ResponseConfig, {"stride": "stride", "bec_stride": "bec_stride", "chunk": "chunk"})
    check_options(args, SystemSection, {"epsilon_inf": "epsilon_inf"})
    if sorted(args.layer_cuts) != list(args.layer_cuts) or min(args.layer_cuts) <= 0:
        raise ValueError(f"--layer-cuts {' '.join(map(str, args.layer_cuts))}: must be positive and increasing (Å)")
    return made_from_args(args, NAME, ("trajectory", "student"))


def run(args: argparse.Namespace) -> None:
    path = response_along_trajectory(args.trajectory, args.student, args.output, stride=args.stride,
                                     bec_stride=args.bec_stride, epsilon_inf=args.epsilon_inf, chunk=args.chunk,
                                     groups=args.groups, layer_cuts=tuple(args.layer_cuts), surface=args.surface,
                                     slab=args.slab, device=args.device,
                                     overwrite=args.overwrite)
    print(f"wrote {path}")
