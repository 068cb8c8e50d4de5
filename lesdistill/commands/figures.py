"""``lesdistill figures``: publication figures (PDF + PNG) from the campaign's results.

Makes every figure its inputs allow and prints each file written: IR spectra per system against
experiment (``--ir``), per-element isotropic-BEC distributions (``--response``), group spectra
(``--groups``), water density profiles (``--density``), MD cost of teachers and students
(``--costs``) and student-vs-reference BEC parity (``--bec-parity``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..figures.costs import DEFAULT_ATOMS
from ..figures.make import (
    file_label,
    make_figures,
    parse_ir,
    parse_labelled,
    unique_label,
)
from ..figures.parity import SPCFW_CHARGES
from ..figures.style import DPI, FORMATS
from ..io.records import MadeFrom
from .options import HOW_OPTIONS, add_settings_option

NAME = "figures"


def parse_point_charges(text: str) -> dict[str, float]:
    """'spcfw' or 'O=-0.82,H=0.41' → {element: charge in e}."""
    if text.lower() == "spcfw":
        return dict(SPCFW_CHARGES)
    charges = {}
    for item in text.split(","):
        element, _, value = item.partition("=")
        try:
            charges[element.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected 'spcfw' or ELEMENT=CHARGE,... (e.g. O=-0.82,H=0.41), "
                                             f"got {text!r}") from None
    return charges


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="publication figures (PDF + PNG): IR spectra, BECs, group spectra, "
                                              "density profiles, MD cost",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for the figures")
    parser.add_argument("--ir", nargs="+", action="extend", default=[], metavar="TEACHER/SYSTEM=PATH|PATH",
                        help="ir.nc of a teacher's student on a system (a bare path must be results/TEACHER/SYSTEM/ir.nc); "
                             "one figure per system")
    parser.add_argument("--response", nargs="+", action="extend", default=[], metavar="LABEL=PATH|PATH",
                        help="response.nc whose isotropic-BEC distributions to compare (one figure)")
    parser.add_argument("--groups", nargs="+", action="extend", default=[], type=Path, metavar="PATH",
                        help="ir.nc with group spectra (HCl, TiO2-water): one figure each")
    parser.add_argument("--density", nargs="+", action="extend", default=[], type=Path, metavar="PATH",
                        help="TiO2-water response.nc with water_density: one density profile each")
    parser.add_argument("--costs", nargs="+", action="extend", default=[], type=Path, metavar="JSON",
                        help="benchmark results (benchmarks/results/*.json) with <model>_<atoms>_atoms_md metrics")
    parser.add_argument("--cost-atoms", type=int, default=DEFAULT_ATOMS,
                        help=f"system size of the cost figure (default {DEFAULT_ATOMS})")
    parser.add_argument("--bec-parity", nargs="+", action="extend", default=[], metavar="STUDENT=EXTXYZ",
                        help="student file and structures with per-atom reference BECs (array 'bec', N x 9)")
    parser.add_argument("--point-charges", type=parse_point_charges, default=None, metavar="spcfw|EL=Q,...",
                        help="use fixed point-charge BECs q*I as the parity reference instead of the 'bec' array")
    parser.add_argument("--epsilon-inf", type=float, default=1.0,
                        help="scale student BECs by sqrt(eps_inf) in the parity figure (default 1)")
    parser.add_argument("--reference-for", nargs="+", action="extend", default=[], metavar="SYSTEM=water|hcl|PATH",
                        help="experimental bands for a system's IR figure (default: the bundled one named like the "
                             "system, else the ir.nc's own)")
    parser.add_argument("--gate", nargs="+", action="extend", default=[], metavar="TEACHER/SYSTEM=JSON",
                        help="quality-gate verdict (lesdistill gate) of the student behind a cell: failed ones are "
                             "marked FAILED GATE in legends and peak tables")
    parser.add_argument("--formats", nargs="+", choices=["pdf", "png", "svg"], default=list(FORMATS),
                        help="file formats (default pdf png)")
    parser.add_argument("--dpi", type=int, default=DPI, help=f"PNG resolution (default {DPI})")
    add_settings_option(parser)
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The figures folder, every input file named by the options and the remaining options as settings.
    Missing input files are left out here: :func:`make_figures` names them in its own error."""
    named: dict[str, list[str]] = {
        "ir": [str(parse_labelled(text, "--ir")[1]) for text in args.ir],
        "response": [str(parse_labelled(text, "--response")[1]) for text in args.response],
        "groups": args.groups, "density": args.density, "costs": args.costs,
        "bec_parity": [part for text in args.bec_parity for part in text.split("=", 1)],
        "reference_for": [text.partition("=")[2] for text in args.reference_for],
    }
    inputs = {f"{option}[{i}]": Path(path) for option, paths in named.items() for i, path in enumerate(paths)
              if Path(path).is_file()}
    settings = {key: value for key, value in vars(args).items()
                if key not in HOW_OPTIONS and key not in named and key != "out"}
    return MadeFrom(NAME, args.out, inputs, settings)


def run(args: argparse.Namespace) -> None:
    references = {}
    for text in args.reference_for:
        system, _, reference = text.partition("=")
        if not system or not reference:
            raise ValueError(f"--reference-for {text!r}: expected SYSTEM=water|hcl|PATH")
        references[system] = reference
    responses = {}
    for text in args.response:
        label, path = parse_labelled(text, "--response")
        responses[label if label is not None else unique_label(file_label(path, "/"), responses)] = path
    parity = []
    for text in args.bec_parity:
        student, path = parse_labelled(text, "--bec-parity")
        if student is None:
            raise ValueError(f"--bec-parity {text!r}: expected STUDENT=EXTXYZ")
        parity.append((Path(student), path))
    gates = {}
    for text in args.gate:
        label, path = parse_labelled(text, "--gate")
        teacher, slash, system = (label or "").partition("/")
        if not (teacher and slash and system):
            raise ValueError(f"--gate {text!r}: expected TEACHER/SYSTEM=JSON")
        gates[(teacher, system)] = path
    if args.dpi <= 0:
        raise ValueError(f"--dpi must be positive, got {args.dpi}")
    make_figures(args.out, ir=[parse_ir(text) for text in args.ir], responses=responses, groups=args.groups,
                 density=args.density, costs=args.costs, parity=parity, references=references,
                 point_charges=args.point_charges, epsilon_inf=args.epsilon_inf, cost_atoms=args.cost_atoms,
                 formats=args.formats, gates=gates, dpi=args.dpi, log=lambda path: print(f"wrote {path}"))
