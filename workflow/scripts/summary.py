"""The campaign summary (results/summary.{csv,md}) and its figures from whatever the cells produced
(run by the `summary` rule through `script:`; a failed cell gets a row that says why)."""

import json
import sys
from pathlib import Path

from lesdistill.config import load_config
from lesdistill.evaluation.summary import DIRECT_FIT, CellInfo, summary_rows, write_summary
from lesdistill.figures.summary import bec_parity_cells, grouping_figure, learning_curve_figure, summary_figure

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake injects the object)
campaign = load_config(snakemake.config)  # noqa: F821
params = snakemake.params  # noqa: F821
catalog = campaign.catalog()


def steps(system: str, stage: str) -> int:
    md = campaign.md_settings(system, stage)
    return md.equilibration_steps + md.production_steps


def info(teacher: str, system: str, variant: str | None = None) -> CellInfo:
    spec = catalog[teacher]
    return CellInfo(teacher, system, spec.level_of_theory, spec.training_set, spec.family, steps(system, "sampling"),
                    steps(system, "student"), variant)


cells = [info(t, s) for t, s in campaign.cells()]
cells += [info(t, s, v) for t, s in campaign.cells() if s in params.dft_systems for v in campaign.finetune.variants]
cells += [CellInfo(DIRECT_FIT, s, "DFT data of the system", str(campaign.systems[s].finetune_data),
                   campaign.student_config(s).backbone, 0, 0) for s in params.direct_fit_systems]
rows = summary_rows(cells)
write_summary(rows, snakemake.output.csv, snakemake.output.markdown)  # noqa: F821
for system in campaign.system_names:
    summary_figure(rows, system, Path("results/figures") / f"summary_{system}", formats=params.formats, dpi=params.dpi)
    grouping_figure(rows, system, Path("results/figures") / f"summary_groups_{system}", formats=params.formats,
                    dpi=params.dpi)


def test_forces_rmse(path: Path) -> float:
    """The test force RMSE (meV/Å) of a metrics.json, NaN where the file is missing."""
    if not path.is_file():
        return float("nan")
    return json.loads(path.read_text())["references"]["teacher"]["forces_rmse_mev_a"]


for system in params.learning_curve_systems:
    teachers = campaign.teachers_for(system)
    curves = {t: {n: test_forces_rmse(Path(f"results/{t}/{system}/learning_curve/{n}/metrics.json"))
                  for n in campaign.systems[system].learning_curve} for t in teachers}
    full = {t: test_forces_rmse(Path(f"results/{t}/{system}/metrics.json")) for t in teachers}
    learning_curve_figure(curves, full, system, Path("results/figures") / f"learning_curve_{system}",
                          formats=params.formats, dpi=params.dpi)
for prefix, systems in (("bec", params.bec_systems), ("teacher_bec", params.teacher_bec_systems)):
    for system in systems:
        files = {t: f"results/{t}/{s}/metrics.nc" for t, s in campaign.cells() if s == system}
        bec_parity_cells(files, system, Path("results/figures") / f"{prefix}_parity_{system}", prefix=prefix,
                         formats=params.formats, dpi=params.dpi)
