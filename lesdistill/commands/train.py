"""``lesdistill train``: distil a labelled dataset into a student, or fine-tune one (resumable)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..device import add_device_option
from ..io.documents import load_mapping
from ..io.records import MadeFrom
from ..models.student import BACKBONES
from ..training import evaluate_student, load_train_settings, train
from .options import made_from_args

NAME = "train"
MODEL_KEYS = {"backbone", "backbone_config", "head_config", "sigma", "dl", "use_les", "remove_self_interaction"}


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="train a student (backbone + LES) on labelled frames, or fine-tune one")
    parser.add_argument("dataset", type=Path, nargs="+",
                        help="labelled frames: `lesdistill label` netCDF, or extxyz with energies/forces; several "
                             "files of the same atoms are trained on together (e.g. iterative rounds)")
    parser.add_argument("--model", type=Path, default=None,
                        help=f"YAML: backbone ({', '.join(sorted(BACKBONES))}), backbone_config, sigma, dl, use_les, "
                        "remove_self_interaction")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from this student: fine-tuning, or an iterative round (E0s refitted to the data)")
    parser.add_argument("--compare", type=Path, default=None,
                        help="with --init: also report errors on this dataset (e.g. the teacher labels) before and after")
    parser.add_argument("--replay", type=Path, default=None,
                        help="with --init: replay training frames of this data set (e.g. the teacher labels; forces "
                             "only) at replay_fraction (settings) per new frame, against forgetting")
    parser.add_argument("--settings", type=Path, default=None, help="YAML of TrainSettings fields (default values)")
    add_device_option(parser, "the student, its batches and the optimiser")
    parser.add_argument("-o", "--output", type=Path, required=True, help="student file (e.g. student.pt)")
    return parser


def read_model_config(path: Path) -> dict:
    config = load_mapping(path, "model file")
    unknown, missing = set(config) - MODEL_KEYS, {"backbone", "backbone_config"} - set(config)
    if unknown or missing:
        raise ValueError(f"{path}: needs backbone and backbone_config and may hold head_config, sigma, dl, "
                         f"use_les, remove_self_interaction; missing {sorted(missing)}, unknown {sorted(unknown)}")
    return config


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The datasets, model file, start student, replay set and settings file."""
    if args.model is None and args.init is None:
        raise ValueError("give --model (new student) or --init (fine-tune a student)")
    return made_from_args(args, NAME, ("dataset", "model", "init", "compare", "replay", "settings"))


def run(args: argparse.Namespace) -> None:
    model_config = read_model_config(args.model) if args.model is not None else None
    checks = [("new data", d) for d in args.dataset] + ([("compare", args.compare)] if args.compare else [])
    before = [evaluate_student(args.init, data, device=args.device) for _, data in checks] if args.init else []
    path = train(args.dataset, model_config, load_train_settings(args.settings), args.output, init=args.init,
                 replay=args.replay, overwrite=args.overwrite, device=args.device)
    print(f"wrote {path}")
    for (name, data), start in zip(checks, before):
        after = evaluate_student(path, data, device=args.device)
        print(f"{name} ({data}): energy RMSE {start['energy_rmse_mev_atom']:.2f} -> "
              f"{after['energy_rmse_mev_atom']:.2f} meV/atom, forces RMSE {start['forces_rmse_mev_a']:.1f} -> "
              f"{after['forces_rmse_mev_a']:.1f} meV/Å")
