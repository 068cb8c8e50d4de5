"""The ``lesdistill`` command line: one subcommand per workflow stage."""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .commands.options import with_settings_file
from .io.records import check_output, write_record
from .teachers import TeacherUnavailableError

#: command name → module in lesdistill.commands, in the order of ``lesdistill --help``
COMMANDS = {"build-system": "build_system", "teachers": "teachers", "relax": "relax", "md": "md", "label": "label",
            "teacher-bec": "teacher_bec", "train": "train", "gate": "gate", "evaluate": "evaluate",
            "response": "response", "ir": "ir", "electrostatics": "electrostatics", "figures": "figures"}


#: Failures caused by the input (files, options, environment): one line on stderr and exit code 2.
EXPECTED_ERRORS = (ValueError, OSError, TeacherUnavailableError, MemoryError)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or, when ``argv`` names one, of that command alone (a job then
    imports only what its command needs: no matplotlib for MD, for instance)."""
    parser = argparse.ArgumentParser(prog="lesdistill", description=__doc__)
    parser.add_argument("--version", action="version", version=f"lesdistill {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of a failure instead of one line")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    named = next((word for word in argv or () if not word.startswith("-")), None)
    for name in [named] if named in COMMANDS else COMMANDS:
        command = importlib.import_module(f".commands.{COMMANDS[name]}", __package__)
        subparser = command.add_parser(subparsers)
        subparser.set_defaults(handler=command.run, made_from=getattr(command, "made_from", None))
        if hasattr(command, "made_from"):
            subparser.add_argument("--overwrite", action="store_true",
                                   help="replace an existing output (and discard unfinished work of other runs)")
    return parser


def one_line(error: BaseException) -> str:
    """The error's message on one line (a missing file's message names the file)."""
    if isinstance(error, FileNotFoundError) and error.filename and error.strerror:
        return f"{error.strerror}: {error.filename}"
    if isinstance(error, MemoryError):
        return f"out of memory ({error or 'the input is too large for this machine'})"
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    return text or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Run one command; expected failures print ``lesdistill COMMAND: error: …`` and return 2."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    try:
        argv = with_settings_file(parser, argv)
    except EXPECTED_ERRORS as error:  # the command's settings file
        if "--debug" in argv:
            raise
        command = next((word for word in argv if not word.startswith("-")), "")
        print(f"lesdistill {command}: error: {one_line(error)}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        run(args)
    except EXPECTED_ERRORS as error:
        if args.debug:
            raise
        print(f"lesdistill {args.command}: error: {one_line(error)}", file=sys.stderr)
        return 2
    return 0


def run(args: argparse.Namespace) -> None:
    """Run the command of ``args``: reuse an output made from the same inputs, else make it and record how."""
    made = args.made_from(args) if args.made_from is not None else None
    if made is None:
        args.handler(args)
        return
    reuse, record = check_output(made, overwrite=args.overwrite)
    if reuse:
        print(f"{made.output} is up to date (made from the same inputs and settings); nothing to do")
        return
    args.handler(args)
    write_record(made, record)


if __name__ == "__main__":
    sys.exit(main())
