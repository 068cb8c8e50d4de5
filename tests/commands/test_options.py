"""``--settings FILE`` of the commands whose settings are options: the file's values become the options,
the command line wins, every value form (number, list, band, mapping, flag) arrives as typed, and an
output made from a settings file is the same output as one made from the same options given by hand."""

from __future__ import annotations

from pathlib import Path

import ase.io
import pytest
import yaml

from lesdistill.cli import build_parser, main
import argparse

from lesdistill.commands.options import settings_words, with_settings_file
from lesdistill.config import load_config
from lesdistill.systems.water import water_box


def parse(argv: list[str]):
    parser = build_parser(argv)
    return parser.parse_args(with_settings_file(parser, argv))


def settings_file(folder: Path, values: dict) -> str:
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump(values))
    return str(path)


def test_values_of_the_file_become_options_and_the_command_line_wins(tmp_path):
    settings = settings_file(tmp_path, {"fmax": 0.05, "steps": 7})
    args = parse(["relax", "x.extxyz", "--teacher", "spcfw", "--settings", settings, "-o", "y"])
    assert (args.fmax, args.steps) == (0.05, 7)
    args = parse(["relax", "x.extxyz", "--teacher", "spcfw", "--settings", settings, "--steps", "9", "-o", "y"])
    assert (args.fmax, args.steps) == (0.05, 9)
    args = parse(["relax", "x.extxyz", "--teacher", "spcfw", "-o", "y"])  # no file: the config's defaults
    assert (args.fmax, args.steps) == (0.03, 500)


def test_every_value_form_arrives_typed(tmp_path):
    settings = settings_file(tmp_path, {"normalize": [2800, 3800], "nqe_shift": True, "window": "hann",
                                        "smoothing_cm1": None, "max_wavenumber_cm1": 3500})
    args = parse(["ir", "r.nc", "--settings", settings, "-o", "i.nc"])
    assert (args.normalize, args.nqe_shift, args.window, args.smoothing_cm1, args.max_wavenumber_cm1) == \
        ((2800.0, 3800.0), True, "hann", None, 3500.0)
    args = parse(["electrostatics", "w.extxyz", "--settings", settings_file(tmp_path, {"charges": {"O": -0.82, "H": 0.41},
                                                                                      "epsilon_inf": 1.78}), "-o", "e"])
    assert (args.charges, args.epsilon_inf) == ("H=0.41,O=-0.82", 1.78)  # a required option, given by the file
    args = parse(["figures", "--out", "f", "--settings", settings_file(tmp_path, {"formats": ["png"], "dpi": 72})])
    assert (args.formats, args.dpi) == (["png"], 72)
    args = parse(["build-system", "tio2-water", "--settings", settings_file(tmp_path, {"repeat": [2, 3]}), "-o", "s"])
    assert args.system == "tio2-water" and args.repeat == [2, 3]


def test_the_campaign_settings_of_every_option_stage_parse_as_its_command(tmp_path):
    """What the workflow writes for each option stage of the paper's systems is accepted by the command."""
    campaign = load_config(Path(__file__).resolve().parents[2] / "config" / "config.yaml", check_files=False)
    commands = {"relax": ["relax", "x", "--teacher", "spcfw"], "label": ["label", "x", "--teacher", "spcfw"],
                "response": ["response", "x", "--student", "s"], "ir": ["ir", "x"], "evaluate": ["evaluate", "s"],
                "electrostatics": ["electrostatics", "x"]}
    for system in campaign.system_names:
        for stage, words in commands.items():
            if stage == "electrostatics" and not campaign.systems[system].charges:
                continue
            values = campaign.stage_settings(stage, system)
            args = parse([*words, "--settings", settings_file(tmp_path, values), "-o", "out"])
            for key, value in values.items():
                if value is not None and not isinstance(value, dict):
                    assert getattr(args, key) == (tuple(value) if isinstance(value, list) else value), (stage, key)
        builder = campaign.systems[system].builder
        args = parse(["build-system", builder, "--settings",
                      settings_file(tmp_path, campaign.stage_settings("build_system", system)), "-o", "s"])
        assert args.system == builder


def test_an_output_made_from_a_settings_file_is_reused_for_the_same_options_by_hand(tmp_path, capsys):
    water = tmp_path / "water.extxyz"
    ase.io.write(water, water_box(8, seed=0))
    output = tmp_path / "e.nc"
    settings = settings_file(tmp_path, {"charges": {"O": -0.82, "H": 0.41}, "epsilon_inf": 1.78})
    assert main(["electrostatics", str(water), "--settings", settings, "-o", str(output)]) == 0
    capsys.readouterr()
    assert main(["electrostatics", str(water), "--charges", "O=-0.82,H=0.41", "--epsilon-inf", "1.78",
                 "-o", str(output)]) == 0
    assert "is up to date" in capsys.readouterr().out
    assert main(["electrostatics", str(water), "--settings", settings, "--epsilon-inf", "2", "-o", str(output)]) == 2
    assert "epsilon_inf: 1.78 then, 2.0 now" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["md", "train", "gate"])
def test_commands_with_a_typed_settings_file_keep_it(command):
    """md, train and gate read their settings model from --settings themselves (no option expansion)."""
    argv = [command, "x", "--settings", "s.yaml", "-o", "y"]
    assert with_settings_file(build_parser(argv), argv) == argv


def test_boolean_and_multi_valued_options_get_their_command_line_forms():
    parser = argparse.ArgumentParser(prog="lesdistill x")
    parser.add_argument("--flag", action=argparse.BooleanOptionalAction)
    parser.add_argument("--switch", action="store_true")
    parser.add_argument("-n", "--numbers", nargs="+", type=int)
    parser.add_argument("--band")
    words = settings_words(parser, {"flag": False, "switch": True, "numbers": [1, 2], "band": [3, 4]}, "s.yaml")
    assert words == ["--no-flag", "--switch", "--numbers", "1", "2", "--band", "3,4"]
    assert settings_words(parser, {"flag": True, "switch": False, "band": None}, "s.yaml") == ["--flag"]
    with pytest.raises(ValueError, match="s.yaml: 'colour' is not a setting of `lesdistill x` \\(known: band, flag"):
        settings_words(parser, {"colour": 1}, "s.yaml")
