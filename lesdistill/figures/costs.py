"""Cost of MD with teachers and students: MD steps per second at one system size, from benchmark results.

Reads the ``<model>_<atoms>_atoms_md`` metrics (unit steps/s) of benchmark JSON files
(``benchmarks/results/teachers.json``, ``distill_water.json``, …). A model is a teacher when the
teacher catalog lists it, else a student (students also show up as ``<student>`` in
``speedup_vs_<teacher>_<student>_<atoms>_atoms`` metrics). Where several files time the same model,
the last file given wins. Speed-ups are computed from the plotted values, against one reference
teacher (default: the fastest foundation-model teacher shown, the conservative choice; physics
reference force fields such as SPC/Fw only when no other teacher was timed).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from matplotlib.patches import Patch

from ..io.atomic import write_text
from ..teachers import load_catalog
from .inputs import read_benchmark
from .style import (
    DPI,
    FORMATS,
    FULL_WIDTH,
    STUDENT_COLOR,
    TEACHER_COLOR,
    new_figure,
    save_figure,
    style,
)

MD_UNIT = "steps/s"
DEFAULT_ATOMS = 192


@dataclass(frozen=True)
class Speed:
    name: str
    kind: str  # "teacher" or "student"
    steps_per_second: float
    source: Path


def md_speeds(benchmark_jsons: Iterable[Path | str], atoms: int = DEFAULT_ATOMS,
              catalog: Mapping | None = None) -> list[Speed]:
    """Every model's MD speed at ``atoms`` atoms over the files, slowest first; ValueError when none."""
    catalog = load_catalog() if catalog is None else catalog
    paths = [Path(p) for p in benchmark_jsons]
    if not paths:
        raise ValueError("no benchmark file given for the cost figure")
    found: dict[str, tuple[float, Path]] = {}
    students: set[str] = set()
    sizes: set[int] = set()
    pattern = re.compile(r"^(?P<name>.+)_(?P<atoms>\d+)_atoms_md$")
    for path in paths:
        metrics = read_benchmark(path)
        for key, (value, unit) in metrics.items():
            match = pattern.match(key)
            if match is None or unit != MD_UNIT:
                continue
            sizes.add(int(match["atoms"]))
            if int(match["atoms"]) == atoms and math.isfinite(value) and value > 0:
                found[match["name"]] = (value, path)
        for key in metrics:
            if key.startswith("speedup_vs_") and key.endswith(f"_{atoms}_atoms"):
                middle = key[len("speedup_vs_"):-len(f"_{atoms}_atoms")]
                students.update(name for name in found if middle.endswith(f"_{name}"))
    if not found:
        raise ValueError(f"no MD speed ('<model>_{atoms}_atoms_md' in {MD_UNIT}) at {atoms} atoms in "
                         f"{', '.join(map(str, paths))}; sizes present: {sorted(sizes) or 'none'}")
    speeds = [Speed(name, "teacher" if name in catalog and name not in students else "student", value, path)
              for name, (value, path) in found.items()]
    return sorted(speeds, key=lambda s: s.steps_per_second)


def _reference(speeds: list[Speed], reference_teacher: str | None, catalog: Mapping) -> Speed | None:
    teachers = [s for s in speeds if s.kind == "teacher"]
    if reference_teacher is not None:
        for speed in teachers:
            if speed.name == reference_teacher:
                return speed
        raise ValueError(f"reference teacher {reference_teacher!r} has no MD speed in the benchmark files "
                         f"(teachers timed: {', '.join(s.name for s in teachers) or 'none'})")
    learned = [s for s in teachers if s.name not in catalog or catalog[s.name].family != "reference"]
    candidates = learned or teachers
    return max(candidates, key=lambda s: s.steps_per_second) if candidates else None


def cost_table(benchmark_jsons: Iterable[Path | str], output_stem: Path | str, *, atoms: int = DEFAULT_ATOMS,
               reference_teacher: str | None = None, catalog: Mapping | None = None,
               formats: Iterable[str] = FORMATS, dpi: int = DPI) -> list[Path]:
    """Horizontal bars (log x) of MD steps/s at ``atoms`` atoms, teachers and students coloured apart,
    students annotated with their speed-up over the reference teacher; the same as a Markdown table
    ``<stem>.md``. The paths written."""
    catalog = load_catalog() if catalog is None else catalog
    speeds = md_speeds(benchmark_jsons, atoms, catalog)
    reference = _reference(speeds, reference_teacher, catalog)
    values = [s.steps_per_second for s in speeds]
    with style():
        figure = new_figure(FULL_WIDTH, 1.0 + 0.28 * len(speeds))
        ax = figure.subplots()
        colors = [TEACHER_COLOR if s.kind == "teacher" else STUDENT_COLOR for s in speeds]
        positions = range(len(speeds))
        ax.barh(positions, values, color=colors, height=0.65)
        ax.set_xscale("log")
        ax.set_yticks(list(positions), labels=[s.name for s in speeds])
        for y, speed in zip(positions, speeds):
            text = f" {_number(speed.steps_per_second)}"
            if speed.kind == "student" and reference is not None:
                text += f"  (×{_number(speed.steps_per_second / reference.steps_per_second)} vs {reference.name})"
            ax.text(speed.steps_per_second, y, text, va="center", ha="left", fontsize=7)
        ax.set_xlim(min(values) / 2.5, max(values) * 60)
        ax.set_ylim(-0.6, len(speeds) - 0.4)
        ax.set_xlabel(f"MD speed ({MD_UNIT}, {atoms} atoms)")
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", which="major", color="0.88", linewidth=0.6)
        ax.set_axisbelow(True)
        kinds = [kind for kind in ("teacher", "student") if any(s.kind == kind for s in speeds)]
        ax.legend(handles=[Patch(color=TEACHER_COLOR if k == "teacher" else STUDENT_COLOR, label=f"{k}s") for k in kinds],
                  loc="lower right")
        paths = save_figure(figure, output_stem, formats, dpi)
    paths.append(_write_markdown(speeds, reference, atoms, catalog, Path(output_stem)))
    return paths


def _number(value: float) -> str:
    """Three significant digits (all digits from 100 up), no exponent for ordinary magnitudes."""
    if 100 <= abs(value) < 1e7:
        return f"{value:.0f}"
    return f"{value:.3g}" if 1e-3 <= abs(value) < 1e7 else f"{value:.2e}"


def _write_markdown(speeds: list[Speed], reference: Speed | None, atoms: int, catalog: Mapping, stem: Path) -> Path:
    header = ["Model", "Kind", "Level of theory", f"MD {MD_UNIT} ({atoms} atoms)", "ms/step"]
    if reference is not None:
        header.append(f"speed-up vs {reference.name}")
    header.append("Source")
    lines = [f"MD cost at {atoms} atoms, fastest first.", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for speed in reversed(speeds):
        spec = catalog.get(speed.name)
        row = [speed.name, speed.kind, spec.level_of_theory if spec is not None and speed.kind == "teacher" else "—",
               _number(speed.steps_per_second), _number(1e3 / speed.steps_per_second)]
        if reference is not None:
            row.append(_number(speed.steps_per_second / reference.steps_per_second))
        row.append(speed.source.name)
        lines.append("| " + " | ".join(row) + " |")
    path = stem.with_name(f"{stem.name}.md")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, "\n".join(lines) + "\n")
    return path
