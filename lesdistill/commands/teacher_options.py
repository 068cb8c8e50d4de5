"""Command-line options shared by the subcommands that run a teacher (relax, md, label)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..device import add_device_option
from ..teachers import TeacherSpec, load_catalog, resolve


def add_teacher_options(parser: argparse.ArgumentParser, teacher_group=None, required: bool = True) -> None:
    """--teacher (in ``teacher_group`` when given), --catalog, --device, --charge, --spin."""
    (teacher_group or parser).add_argument("--teacher", required=required,
                                           help="teacher id from the catalog (see `lesdistill teachers`)")
    parser.add_argument("--catalog", type=Path, default=None, help="YAML file extending the teacher catalog")
    add_device_option(parser, "the teacher or student (tblite and SPC/Fw stay on the CPU)")
    parser.add_argument("--charge", type=int, default=0, help="total charge for OMol-task teachers (default 0)")
    parser.add_argument("--spin", type=int, default=1, help="spin multiplicity for OMol-task teachers (default 1)")


def teacher_spec(args: argparse.Namespace) -> TeacherSpec:
    """The catalog entry named by ``--teacher`` (catalog extended by ``--catalog``)."""
    return resolve(args.teacher, load_catalog(args.catalog))
