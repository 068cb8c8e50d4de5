"""``lesdistill evaluate``: a student's errors on the teacher's test frames (and a DFT test set) → metrics.nc/.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import SystemSection
from ..device import add_device_option, resolve_device
from ..evaluation import dataset_errors, write_metrics
from ..evaluation.bec_parity import compare_becs
from ..io.records import MadeFrom
from .options import add_settings_option, check_options, made_from_args

NAME = "evaluate"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="errors of a student on the test frames of its teacher (and of DFT)")
    parser.add_argument("student", type=Path, help="student file (student.pt)")
    parser.add_argument("--labels", type=Path, default=None,
                        help="the teacher's labels (`lesdistill label` netCDF); its test split is scored")
    parser.add_argument("--dft", type=Path, default=None,
                        help="DFT data (netCDF or extxyz with energies and forces); its test split is scored, "
                             "all its frames when it has none")
    parser.add_argument("--bec-reference", type=Path, default=None,
                        help="extxyz whose frames carry a per-atom BEC array (9 components Z[α,β] row-major, e, "
                             "physical): R², RMSE (all, diagonal, off-diagonal) and per-element isotropic means")
    parser.add_argument("--teacher-bec", type=Path, default=None,
                        help="the teacher's own BECs (`lesdistill teacher-bec` extxyz): the same parity against the "
                             "student's LES BECs (ε∞ = 1: the teacher's charges enter its energy unscreened)")
    parser.add_argument("--epsilon-inf", type=float, default=None,
                        help="ε∞ of the system: the student's physical BEC is √ε∞ × its LES BEC (with --bec-reference)")
    add_device_option(parser, "the student's predictions")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="metrics netCDF (metrics.nc); metrics.json is written next to it")
    add_settings_option(parser)
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The student, the teacher labels and the DFT set; metrics.json is written too."""
    if args.output.suffix != ".nc":
        raise ValueError(f"-o {args.output}: the metrics file must end in .nc (metrics.json is written next to it)")
    if args.labels is None and args.dft is None:
        raise ValueError("give --labels (the teacher's test frames), --dft (DFT test frames) or both")
    if args.bec_reference is not None and args.epsilon_inf is None:
        raise ValueError("--bec-reference needs --epsilon-inf (the system's ε∞)")
    check_options(args, SystemSection, {"epsilon_inf": "epsilon_inf"})
    made = made_from_args(args, NAME, ("student", "labels", "dft", "bec_reference", "teacher_bec"))
    return MadeFrom(made.command, made.output, made.inputs, made.settings, (args.output.with_suffix(".json"),))


def run(args: argparse.Namespace) -> None:
    metrics = {"teacher": dataset_errors(args.student, args.labels, device=args.device)} if args.labels else {}
    if args.dft is not None:
        metrics["dft"] = dataset_errors(args.student, args.dft, device=args.device)
    for reference, errors in metrics.items():
        print(f"{reference} ({errors.n_frames} {errors.split} frames): energy RMSE {errors.energy_rmse_mev_atom:.2f} "
              f"meV/atom ({errors.energy_rmse_offset_removed_mev_atom:.2f} without the offset "
              f"{errors.energy_offset_mev_atom:+.2f}), forces RMSE {errors.forces_rmse_mev_a:.1f} meV/Å")
    bec = compare_becs(args.student, args.bec_reference, args.epsilon_inf, args.device) if args.bec_reference else None
    teacher_bec = compare_becs(args.student, args.teacher_bec, 1.0, args.device) if args.teacher_bec else None
    for comparison, source, scaling in ((bec, args.bec_reference, "√ε∞ applied"), (teacher_bec, args.teacher_bec, "ε∞ = 1")):
        if comparison is not None:
            parity = comparison.parity
            print(f"BEC vs {source} ({parity.n_atoms} atoms, {scaling}): R² {parity.r2:.3f}, RMSE {parity.rmse_e:.3f} e "
                  f"(diagonal {parity.rmse_diagonal_e:.3f}, off-diagonal {parity.rmse_offdiagonal_e:.3f})")
    for path in write_metrics(metrics, str(args.student), args.output, bec, str(resolve_device(args.device)), teacher_bec):
        print(f"wrote {path}")
