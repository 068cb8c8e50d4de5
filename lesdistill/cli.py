"""The ``lesdistill`` command line: one subcommand per workflow stage."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .commands import build_system, electrostatics, figures, gate, ir, label, relax, response, sample, teachers, train
from .teachers import TeacherUnavailableError

COMMANDS = (build_system, teachers, relax, sample, label, train, gate, response, ir, electrostatics, figures)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lesdistill", description=__doc__)
    parser.add_argument("--version", action="version", version=f"lesdistill {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers).set_defaults(handler=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except (ValueError, FileNotFoundError, TeacherUnavailableError) as error:
        print(f"lesdistill {args.command}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
