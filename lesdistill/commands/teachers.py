"""``lesdistill teachers``: list the teacher catalog and whether each can be loaded here;
``lesdistill teachers stage FILE``: copy a downloaded checkpoint into the checkpoint root, recording its SHA-256."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from ..teachers import load_catalog, resolve
from ..teachers.checkpoints import BUNDLED, bundled_name, checkpoint_root, stage

NAME = "teachers"

#: Module whose presence means a family's package is importable in this interpreter.
FAMILY_MODULES = {
    "chgnet": "chgnet", "sevenn": "sevenn", "xtb": "tblite", "mace": "mace", "fairchem": "fairchem",
    "fairchem_v1": "fairchem", "orb": "orb_models", "pet": "upet", "so3lr": "so3krates_torch",
    "reference": "lesdistill",
}


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="list teachers: family, level of theory, environment, availability")
    parser.add_argument("--catalog", type=Path, default=None, help="YAML file extending the shipped catalog")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    staging = actions.add_parser("stage", help="copy a downloaded checkpoint to $LESDISTILL_CHECKPOINTS/<catalog path>; "
                                 "loads then verify its SHA-256")
    staging.add_argument("file", type=Path, help="the checkpoint file as published (its name picks the catalog entry)")
    staging.add_argument("--teacher", default=None, help="catalog id, when the file was renamed")
    staging.add_argument("--catalog", type=Path, default=argparse.SUPPRESS, help="YAML file extending the shipped catalog")
    return parser


def entry_for_file(name: str, catalog: dict) -> object:
    """The catalog entry whose published checkpoint file is called ``name`` (ValueError if none or several paths)."""
    paths = {s.checkpoint for s in catalog.values()
             if s.checkpoint and bundled_name(s) is None and Path(s.checkpoint).name == name}
    if len(paths) != 1:
        known = "no" if not paths else f"several ({', '.join(sorted(paths))})"
        raise ValueError(f"{known} catalog entries publish a checkpoint named {name!r}; pass --teacher ID")
    return next(s for s in catalog.values() if s.checkpoint in paths)


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
    if args.action == "stage":
        if not args.file.is_file():
            raise FileNotFoundError(f"checkpoint file {args.file} does not exist")
        spec = resolve(args.teacher, catalog) if args.teacher else entry_for_file(args.file.name, catalog)
        target = stage(args.file, spec)
        users = sorted(s.id for s in catalog.values() if s.checkpoint == spec.checkpoint)
        print(f"staged {args.file} -> {target} (SHA-256 recorded) for {', '.join(users)}")
        return
    rows = [(s.id, s.family, s.level_of_theory, f"envs/{s.env}.yaml", availability(s)) for s in catalog.values()]
    widths = [max(len(r[i]) for r in rows + [("teacher", "family", "level of theory", "environment", "here")]) for i in range(5)]
    header = ("teacher", "family", "level of theory", "environment", "here")
    for row in [header, *rows]:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())
