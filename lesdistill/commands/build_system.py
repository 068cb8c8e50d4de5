"""``lesdistill build-system``: build a registered benchmark system and write it to an extxyz file.

One sub-command per entry of the system registry, with one option per field of its parameters."""

from __future__ import annotations

import argparse
from pathlib import Path

import ase.io

from ..io.atomic import atomic_path
from ..io.records import MadeFrom
from ..systems.parameters import BuilderParameters
from ..systems.registry import SYSTEMS, system_spec
from .options import add_parameter_options, add_settings_option, parameters_from_args

NAME = "build-system"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="build a benchmark system: " + ", ".join(
        spec.display_name.replace("$", "").replace("_", "") for spec in SYSTEMS.values()))
    builders = parser.add_subparsers(dest="system", required=True, metavar="{" + ",".join(SYSTEMS) + "}",
                                     help="which system to build")
    for spec in SYSTEMS.values():
        builder = builders.add_parser(spec.builder, help=spec.parameters.__doc__.splitlines()[0],
                                      description=spec.parameters.__doc__)
        add_parameter_options(builder, spec.parameters)
        add_settings_option(builder)
        builder.add_argument("-o", "--output", type=Path, required=True, help="output extxyz path")
        builder.add_argument("--overwrite", action="store_true", default=argparse.SUPPRESS,
                             help="replace an existing output")
    return parser


def builder_parameters(args: argparse.Namespace) -> BuilderParameters:
    """The builder's parameters: the options given, the model's defaults for the rest."""
    return parameters_from_args(args, system_spec(args.system).parameters)


def made_from(args: argparse.Namespace) -> MadeFrom:
    """What the structure is made from: the builder and all its parameters (defaults included)."""
    return MadeFrom(NAME, Path(args.output), {}, {"system": args.system, **builder_parameters(args).model_dump()})


def run(args: argparse.Namespace) -> None:
    parameters = builder_parameters(args)
    atoms = parameters.build()
    atoms.info.update(system=args.system, seed=parameters.seed)
    with atomic_path(args.output) as tmp:
        ase.io.write(tmp, atoms, format="extxyz")
    print(f"wrote {len(atoms)} atoms ({atoms.get_chemical_formula()}), cell {atoms.cell.lengths().round(4).tolist()} Å -> {args.output}")
