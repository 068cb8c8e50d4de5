"""``lesdistill build-system``: build a benchmark system and write it to an extxyz file."""

from __future__ import annotations

import argparse
from pathlib import Path

import ase.io

from ..config.models import HClSystem, TiO2WaterSystem, WaterSystem
from ..io.atomic import atomic_path
from ..io.records import MadeFrom
from ..systems import anatase_water_interface, hcl_box, water_box
from .options import check_options, made_from_args

NAME = "build-system"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="build liquid water, concentrated HCl or the anatase TiO2(101)–water interface")
    parser.add_argument("system", choices=["water", "hcl", "tio2-water"], help="which system to build")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    water = parser.add_argument_group("water")
    water.add_argument("--molecules", type=int, default=64, help="number of H2O molecules (default 64)")
    water.add_argument("--density", type=float, default=0.997, help="water density in g/cm³ (default 0.997)")
    hcl = parser.add_argument_group("hcl")
    hcl.add_argument("--ion-pairs", type=int, default=4, help="H3O⁺/Cl⁻ pairs (default 4)")
    hcl.add_argument("--waters", type=int, default=92, help="H2O molecules besides the ions (default 92)")
    hcl.add_argument("--length", type=float, default=14.43, help="cubic box side in Å (default 14.43)")
    tio2 = parser.add_argument_group("tio2-water")
    tio2.add_argument("--repeat", type=int, nargs=2, default=(3, 9), metavar=("NA", "NB"),
                      help="surface supercell of the 10.24 × 3.78 Å (101) cell (default 3 9)")
    tio2.add_argument("--layers", type=int, default=5, help="O–Ti–O trilayers in the slab (default 5)")
    tio2.add_argument("--cell-height", type=float, default=83.394, help="cell height along the normal in Å (default 83.394)")
    tio2.add_argument("--lattice", type=float, nargs=2, default=None, metavar=("A", "C"),
                      help="anatase lattice constants a c in Å (default 3.785 9.514; the paper's cell: 3.771 9.528)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output extxyz path")
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """What the structure is made from: the builder's options (checked by the config's system fields)."""
    model = {"water": WaterSystem, "hcl": HClSystem, "tio2-water": TiO2WaterSystem}[args.system]
    names = {"seed": "seed", "molecules": "molecules", "density": "density", "ion_pairs": "ion_pairs",
             "waters": "waters", "length": "length", "repeat": "repeat", "layers": "layers",
             "cell_height": "cell_height", "lattice": "lattice"}
    check_options(args, model, {field: option for field, option in names.items() if field in model.model_fields})
    return made_from_args(args, NAME)


def build(args: argparse.Namespace):
    """The ASE Atoms that ``args`` ask for."""
    if args.system == "water":
        return water_box(args.molecules, density=args.density, seed=args.seed)
    if args.system == "hcl":
        return hcl_box(args.ion_pairs, args.ion_pairs, args.waters, length=args.length, seed=args.seed)
    lattice = {} if args.lattice is None else {"lattice": tuple(args.lattice)}
    return anatase_water_interface(tuple(args.repeat), layers=args.layers, cell_height=args.cell_height,
                                   water_density=args.density, seed=args.seed, **lattice)


def run(args: argparse.Namespace) -> None:
    atoms = build(args)
    atoms.info.update(system=args.system, seed=args.seed)
    with atomic_path(args.output) as tmp:
        ase.io.write(tmp, atoms, format="extxyz")
    print(f"wrote {len(atoms)} atoms ({atoms.get_chemical_formula()}), cell {atoms.cell.lengths().round(4).tolist()} Å -> {args.output}")
