"""Every figure a set of inputs allows, into one folder: the API behind ``lesdistill figures``.

Output names (each figure as ``.pdf`` and ``.png``): ``ir_<system>`` (+ ``ir_<system>_peaks.md``),
``bec_distributions``, ``groups_<teacher>_<system>``, ``density_<teacher>_<system>``, ``costs``
(+ ``costs.md``) and ``bec_parity_<teacher>_<system>``; teacher and system come from paths laid out as
``results/{teacher}/{system}/<file>``, else the file's own name is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..spectra.reference import BUNDLED_REFERENCES
from .bec import bec_distributions
from .costs import DEFAULT_ATOMS, cost_table
from .density import density_profile
from .groups import group_spectra
from .inputs import layout_parts
from ..quality import read_verdict
from .ir import gate_mark, ir_spectra
from .parity import bec_parity, bec_parity_data
from .style import DPI, FORMATS, system_name

IrInput = tuple[str, str, Path | str]  # (teacher, system, ir.nc)


def parse_labelled(text: str, what: str) -> tuple[str | None, Path]:
    """'LABEL=PATH' → (LABEL, PATH); a bare PATH (also one that exists and contains '=') → (None, PATH)."""
    if "=" in text and not Path(text).exists():
        label, path = text.split("=", 1)
        if not label or not path:
            raise ValueError(f"{what} {text!r}: expected LABEL=PATH or PATH")
        return label, Path(path)
    return None, Path(text)


def parse_ir(text: str) -> IrInput:
    """'TEACHER/SYSTEM=PATH' or a bare path results/{teacher}/{system}/ir.nc → (teacher, system, path)."""
    label, path = parse_labelled(text, "--ir")
    if label is None:
        return _from_layout(path)
    teacher, slash, system = label.partition("/")
    if not slash or not teacher or not system:
        raise ValueError(f"--ir {text!r}: expected TEACHER/SYSTEM=PATH or results/TEACHER/SYSTEM/ir.nc")
    return teacher, system, path


def _from_layout(path: Path | str) -> IrInput:
    """(teacher, system, path) of an existing results/{teacher}/{system}/ir.nc."""
    _require([path], "ir file")
    return (*layout_parts(path), path)


def file_label(path: Path | str, separator: str = "_") -> str:
    """'<teacher><separator><system>' for results/{teacher}/{system}/<file>, else the file's stem."""
    path = Path(path)
    try:
        teacher, system = layout_parts(path)
    except ValueError:
        return path.stem
    return f"{teacher}{separator}{system}"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "figure"


def _unique(stem: Path, used: set[Path]) -> Path:
    candidate, k = stem, 2
    while candidate in used:
        candidate = stem.with_name(f"{stem.name}_{k}")
        k += 1
    used.add(candidate)
    return candidate


def _require(paths: Iterable[Path | str], what: str) -> None:
    for path in paths:
        if not Path(path).is_file():
            raise ValueError(f"{what} {path} does not exist")


def make_figures(out_dir: Path | str, *, ir: Iterable[IrInput | Path | str] = (),
                 responses: Mapping[str, Path | str] | Iterable[Path | str] = (),
                 groups: Iterable[Path | str] = (), density: Iterable[Path | str] = (),
                 costs: Iterable[Path | str] = (), parity: Iterable[tuple[Path | str, Path | str]] = (),
                 references: Mapping[str, str | Path] | None = None, point_charges: Mapping | None = None,
                 epsilon_inf: float = 1.0, cost_atoms: int = DEFAULT_ATOMS, formats: Iterable[str] = FORMATS,
                 gates: Mapping[tuple[str, str], Path | str] | None = None, dpi: int = DPI, log=None) -> list[Path]:
    """Make every figure the inputs allow in ``out_dir``; the files written.

    ``ir``: (teacher, system, ir.nc) tuples or paths results/{teacher}/{system}/ir.nc, one IR figure
    per system; ``responses``: {label: response.nc} (or paths, labelled from their location), one BEC
    distribution figure; ``groups``: ir.nc with group spectra; ``density``: TiO2–water response.nc;
    ``costs``: benchmark JSON files, one cost figure + table; ``parity``: (student.pt, structures.extxyz)
    pairs, reference BECs from the extxyz array ``bec`` or, with ``point_charges`` ({element: e}), q·I;
    ``references``: {system: 'water' | 'hcl' | YAML path} (default: the bundled reference named like the
    system, else the ir.nc's own); ``gates``: {(teacher, system): quality-gate verdict JSON}, failed
    students are marked "FAILED GATE" in the IR and BEC legends and the peak tables. ``log`` (e.g.
    ``print``) is called with each file written.
    Every input is checked before anything is drawn; ValueError names a missing or unreadable one.
    """
    out_dir = Path(out_dir)
    references = dict(references or {})
    ir_inputs = [tuple(item) if isinstance(item, (tuple, list)) else _from_layout(item) for item in ir]
    if isinstance(responses, Mapping):
        response_inputs = {str(label): Path(path) for label, path in responses.items()}
    else:
        response_inputs = {}
        for path in responses:
            response_inputs[unique_label(file_label(path, '/'), response_inputs)] = Path(path)
    groups, density, costs = [Path(p) for p in groups], [Path(p) for p in density], [Path(p) for p in costs]
    parity = [(Path(student), Path(structures)) for student, structures in parity]
    _require([path for _, _, path in ir_inputs], "ir file")
    _require(response_inputs.values(), "response file")
    _require(groups, "ir file")
    _require(density, "response file")
    _require(costs, "benchmark file")
    _require([s for s, _ in parity], "student file")
    _require([x for _, x in parity], "structure file")
    verdicts = {cell: read_verdict(path) for cell, path in (gates or {}).items()}
    response_inputs = {label + gate_mark(verdicts.get(tuple(label.split("/", 1)))): path
                       for label, path in response_inputs.items()}
    if not (ir_inputs or response_inputs or groups or density or costs or parity):
        raise ValueError("nothing to plot: give --ir, --response, --groups, --density, --costs or --bec-parity inputs")

    written: list[Path] = []
    used: set[Path] = set()

    def record(paths):
        for path in paths:
            written.append(path)
            if log is not None:
                log(str(path))

    options = {"formats": tuple(formats), "dpi": dpi}
    by_system: dict[str, dict[str, Path]] = {}
    for teacher, system, path in ir_inputs:
        if teacher in by_system.setdefault(system, {}):
            raise ValueError(f"two ir files for teacher {teacher} and system {system}: "
                             f"{by_system[system][teacher]} and {path}")
        by_system[system][teacher] = Path(path)
    for system, files in by_system.items():
        reference = references.get(system, system if system in BUNDLED_REFERENCES else None)
        system_gates = {teacher: verdicts[(teacher, system)] for teacher in files if (teacher, system) in verdicts}
        record(ir_spectra(files, system, reference, _unique(out_dir / f"ir_{_safe(system)}", used),
                          gates=system_gates or None, **options))
    if response_inputs:
        record(bec_distributions(response_inputs, _unique(out_dir / "bec_distributions", used), **options))
    for path in groups:
        label = file_label(path)
        record(group_spectra(path, _unique(out_dir / f"groups_{_safe(label)}", used), title=_title(path), **options))
    for path in density:
        label = file_label(path)
        record(density_profile(path, _unique(out_dir / f"density_{_safe(label)}", used), title=_title(path), **options))
    if costs:
        record(cost_table(costs, _unique(out_dir / "costs", used), atoms=cost_atoms, **options))
    for student, structures in parity:
        student_bec, reference_bec, numbers = bec_parity_data(student, structures, reference_charges=point_charges,
                                                              epsilon_inf=epsilon_inf)
        result = bec_parity(student_bec, reference_bec, numbers,
                            _unique(out_dir / f"bec_parity_{_safe(file_label(student))}", used),
                            reference_label="Point-charge" if point_charges else "Reference",
                            title=_title(student), **options)
        record(result.files)
    return written


def unique_label(label: str, taken: Mapping) -> str:
    candidate, k = label, 2
    while candidate in taken:
        candidate, k = f"{label} ({k})", k + 1
    return candidate


def _title(path: Path) -> str:
    try:
        teacher, system = layout_parts(path)
    except ValueError:
        return path.stem
    return f"{teacher} student — {system_name(system)}"
