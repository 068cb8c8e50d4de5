"""The system registry: every system fact comes from one entry, and a new entry (a test-only system
registered through LESDISTILL_SYSTEM_MODULES) runs from build-system to the IR figure."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import xarray as xr
import yaml

from lesdistill.cli import build_parser
from lesdistill.commands.options import parameters_from_args, with_settings_file
from lesdistill.config.systems import SYSTEM_SECTIONS
from lesdistill.figures.style import system_name
from lesdistill.systems.registry import PLUGIN_VARIABLE, SYSTEMS, system_spec

from ..helpers import tiny_workflow_config
from ..workflow.test_workflow import ROOT, run_snakemake

TOY = {PLUGIN_VARIABLE: "tests.systems.toy_system", "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                                          os.environ.get("PYTHONPATH")]))}


@pytest.mark.parametrize("builder", sorted(SYSTEMS))
def test_every_entry_reaches_the_config_the_cli_and_the_figures(builder, tmp_path):
    spec = system_spec(builder)
    section = SYSTEM_SECTIONS[builder].model_validate({"builder": builder, "epsilon_inf": 1.0})
    assert section.model_dump(include=set(spec.parameters.model_fields)) == spec.parameters().model_dump()
    settings = tmp_path / "build_system.yaml"  # what the workflow passes to build-system
    settings.write_text(yaml.safe_dump(section.build_settings()))
    argv = ["build-system", builder, "--settings", str(settings), "-o", "x.extxyz"]
    parser = build_parser(argv)
    args = parser.parse_args(with_settings_file(parser, argv))
    assert args.system == builder and parameters_from_args(args, spec.parameters) == spec.parameters()
    assert system_name(builder) == spec.display_name


def test_cli_options_and_config_fields_are_the_same_facts():
    args = build_parser().parse_args(["build-system", "hcl", "--ion-pairs", "2", "--length", "10.5", "-o", "x"])
    parameters = parameters_from_args(args, system_spec("hcl").parameters)
    assert (parameters.ion_pairs, parameters.waters, parameters.length) == (2, 92, 10.5)  # waters: the default
    args = build_parser().parse_args(["build-system", "tio2-water", "--repeat", "1", "0", "-o", "x"])
    with pytest.raises(ValueError, match=r"--repeat 1 0: Input should be greater than 0"):
        parameters_from_args(args, system_spec("tio2-water").parameters)


def test_an_unknown_builder_gets_one_line_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown system builder 'ice'; known: water, hcl, tio2-water"):
        system_spec("ice")


@pytest.mark.slow
def test_a_registered_toy_system_runs_from_build_system_to_the_ir_figure(tmp_path):
    """One entry (tests/systems/toy_system.py) and nothing else: the config accepts it, build-system builds it,
    the whole chain runs, the IR stage compares with the entry's reference, the figure is drawn."""
    env = {**os.environ, **TOY}
    help_text = subprocess.run([sys.executable, "-m", "lesdistill.cli", "build-system", "water-grid", "--help"],
                               capture_output=True, text=True, env=env, check=True).stdout
    assert "--per-side" in help_text and "--spacing" in help_text

    config = yaml.safe_load(tiny_workflow_config(tmp_path).read_text())
    config["systems"] = {"water-grid": {"builder": "water-grid", "per_side": 2, "seed": 1, "n_atoms": 24,
                                        "epsilon_inf": 1.78}}
    config["training"]["epochs"] = 30  # a student stable for the short MD on this lattice
    (tmp_path / "toy.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(tmp_path, "--configfile", str(tmp_path / "toy.yaml"), env=TOY)
    assert result.returncode == 0, result.stderr
    structure = (tmp_path / "results/systems/water-grid/structure.extxyz").read_text()
    assert structure.startswith("24\n") and "system=water-grid" in structure
    with xr.open_dataset(tmp_path / "results/spcfw/water-grid/ir.nc") as ir:
        assert ir.attrs["reference_name"] == "water"  # the entry's experimental reference
    assert "sign_element: O" in (tmp_path / "results/settings/water-grid/training.yaml").read_text()
    assert (tmp_path / "results/figures/ir_water-grid.png").stat().st_size > 0
