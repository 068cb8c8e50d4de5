"""``lesdistill teachers``: list the teacher catalog and whether each can be loaded here."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from ..teachers import load_catalog
from ..teachers.checkpoints import BUNDLED, checkpoint_root

NAME = "teachers"

#: Module whose presence means a family's package is importable in this interpreter.
FAMILY_MODULES = {
    "chgnet": "chgnet", "sevenn": "sevenn", "xtb": "tblite", "mace": "mace", "fairchem": "fairchem",
    "fairchem_v1": "fairchem", "orb": "orb_models", "pet": "upet", "reference": "lesdistill",
}


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="list teachers: family, level of theory, environment, availability")
    parser.add_argument("--catalog", type=Path, default=None, help="YAML file extending the shipped catalog")
    return parser


def availability(spec) -> str:
    """'ready', 'no package' or 'no checkpoint' for this interpreter and checkpoint root."""
    if importlib.util.find_spec(FAMILY_MODULES[spec.family]) is None:
        return "no package"
    if spec.checkpoint and not spec.checkpoint.startswith(BUNDLED):
        path = Path(spec.checkpoint)
        if not (path if path.is_absolute() else checkpoint_root() / path).is_file():
            return "no checkpoint"
    return "ready"


def run(args: argparse.Namespace) -> None:
    catalog = load_catalog(args.catalog)
    rows = [(s.id, s.family, s.level_of_theory, f"envs/{s.env}.yaml", availability(s)) for s in catalog.values()]
    widths = [max(len(r[i]) for r in rows + [("teacher", "family", "level of theory", "environment", "here")]) for i in range(5)]
    header = ("teacher", "family", "level of theory", "environment", "here")
    for row in [header, *rows]:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())
