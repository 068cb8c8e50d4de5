"""``lesdistill train``: distil a labelled dataset into a student (resumable)."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from ..models.student import BACKBONES
from ..training import load_train_settings, train

NAME = "train"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="train a student (backbone + LES) on labelled frames")
    parser.add_argument("dataset", type=Path, help="labelled dataset from `lesdistill label` (netCDF)")
    parser.add_argument("--model", type=Path, required=True,
                        help=f"YAML: backbone ({', '.join(sorted(BACKBONES))}), backbone_config, sigma, dl, use_les")
    parser.add_argument("--settings", type=Path, default=None, help="YAML of TrainSettings fields (default values)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="student file (e.g. student.pt)")
    return parser


def run(args: argparse.Namespace) -> None:
    if not args.model.is_file():
        raise ValueError(f"model file {args.model} does not exist")
    model_config = yaml.safe_load(args.model.read_text()) or {}
    unknown = set(model_config) - {"backbone", "backbone_config", "head_config", "sigma", "dl", "use_les"}
    missing = {"backbone", "backbone_config"} - set(model_config)
    if unknown or missing:
        raise ValueError(f"{args.model}: needs backbone and backbone_config and may hold head_config, sigma, dl, "
                         f"use_les; missing {sorted(missing)}, unknown {sorted(unknown)}")
    path = train(args.dataset, model_config, load_train_settings(args.settings), args.output)
    print(f"wrote {path}")
