"""``lesdistill gate``: the quality gate of a trained student (accuracy, MD stability probe, charges).

Writes the verdict (JSON) when the student passes, or fails with ``on_fail: warn``; with ``on_fail:
stop`` a failing student writes nothing and the command exits 1 with one line naming the numbers and
thresholds, so that the workflow stops the cell there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..device import add_device_option
from ..io.records import MadeFrom
from ..md.settings import MDSettings, load_settings
from ..quality import judge, load_quality_settings
from .options import made_from_args

NAME = "gate"


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="quality gate of a student: validation errors, MD stability probe, "
                                              "charges; exit 1 when it fails with on_fail: stop",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("student", type=Path, help="student file")
    parser.add_argument("--labels", type=Path, nargs="+", required=True,
                        help="labelled frames: errors on the validation split of the first; charges on its "
                             "validation frames")
    parser.add_argument("--structure", type=Path, required=True, help="start structure of the probe MD")
    parser.add_argument("--md-settings", type=Path, default=None,
                        help="the system's student MD settings (YAML), shortened to the probe")
    parser.add_argument("--settings", type=Path, default=None, help="YAML of QualitySettings fields (default values)")
    add_device_option(parser, "the student's evaluation and its probe MD")
    parser.add_argument("--label", default=None, help="name of the student in messages (default: its path)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="verdict file (JSON)")
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The verdict is made from the student, its labels, the probe's start structure and both settings files."""
    return made_from_args(args, NAME, ("student", "labels", "structure", "md_settings", "settings"))


def run(args: argparse.Namespace) -> None:
    settings = load_quality_settings(args.settings)
    md = load_settings(args.md_settings) if args.md_settings is not None else MDSettings()
    verdict = judge(args.student, args.labels, args.structure, md, settings, args.label or str(args.student),
                    device=args.device)
    print(verdict.summary(), flush=True)
    if not verdict.passed and settings.on_fail == "stop":
        print(f"lesdistill gate: {verdict.summary()}", file=sys.stderr)
        raise SystemExit(1)
    verdict.write(args.output)
    print(f"wrote {args.output}")
