"""``lesdistill build-system``: write a benchmark system to an extxyz file."""

from __future__ import annotations

import argparse
from pathlib import Path

import ase.io

from ..systems import water_box

NAME = "build-system"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="build a system (liquid water) and write it as extxyz")
    parser.add_argument("system", choices=["water"], help="which system to build")
    parser.add_argument("--molecules", type=int, default=64, help="number of H2O molecules (default 64)")
    parser.add_argument("--density", type=float, default=0.997, help="density in g/cm³ (default 0.997)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output extxyz path")
    return parser


def run(args: argparse.Namespace) -> None:
    atoms = water_box(args.molecules, density=args.density, seed=args.seed)
    atoms.info.update(system=args.system, seed=args.seed, density_g_cm3=args.density)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    ase.io.write(args.output, atoms, format="extxyz")
    print(f"wrote {len(atoms)} atoms, cell {atoms.cell.lengths().round(4).tolist()} Å -> {args.output}")
