"""Outputs are never silently replaced: a rerun reuses an output made from the same inputs and settings,
other inputs or settings are refused with one line, ``--overwrite`` replaces, and a failed run keeps
the previous file. Also: the real entry point prints no traceback (``--debug`` does), and an
unfinished chunked run that recorded no chunk never blocks the next run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lesdistill.chunked_output import partial_path, progress_path, resume
from lesdistill.cli import main
from lesdistill.io.records import record_path

from .test_bad_input_corpus import CACE


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("records")
    f = {"dir": d, "water": d / "water.extxyz", "md": d / "md.nc", "labels": d / "labels.nc",
         "student": d / "student.pt", "response": d / "response.nc", "model": d / "model.yaml",
         "settings": d / "train.yaml", "md_settings": d / "md.yaml"}
    f["model"].write_text(json.dumps(CACE))
    f["settings"].write_text("epochs: 1\nbatch_size: 2\nema_decay: null\n")
    f["md_settings"].write_text("ensemble: nvt\nthermostat: bussi\ntimestep_fs: 0.5\nequilibration_steps: 0\n"
                                "production_steps: 6\nsample_stride: 1\ncheckpoint_every: 6\nmax_temperature_K: 100000\n")
    assert main(["build-system", "water", "--molecules", "8", "--seed", "1", "-o", str(f["water"])]) == 0
    assert main(["md", str(f["water"]), "--teacher", "spcfw", "--settings", str(f["md_settings"]), "-o", str(f["md"])]) == 0
    assert main(["label", str(f["md"]), "--teacher", "spcfw", "--validation-fraction", "0.2", "--test-fraction", "0",
                 "-o", str(f["labels"])]) == 0
    assert main(["train", str(f["labels"]), "--model", str(f["model"]), "--settings", str(f["settings"]),
                 "-o", str(f["student"])]) == 0
    assert main(["response", str(f["md"]), "--student", str(f["student"]), "--bec-stride", "2",
                 "-o", str(f["response"])]) == 0
    f["md_settings_other"] = d / "md_other.yaml"
    f["md_settings_other"].write_text(f["md_settings"].read_text() + "seed: 1\n")
    f["labels_other"] = d / "labels_other.nc"
    assert main(["label", str(f["md"]), "--teacher", "spcfw", "--max-frames", "5", "--test-fraction", "0",
                 "--validation-fraction", "0.2", "-o", str(f["labels_other"])]) == 0
    return f


#: command → (arguments without -o, the same with one setting changed, output file name)
COMMANDS = {
    "build-system": (["build-system", "water", "--molecules", "8", "--seed", "1"], ["--seed", "2"], "water.extxyz"),
    "relax": (["relax", "{water}", "--teacher", "spcfw", "--steps", "3"], ["--steps", "4"], "relaxed.extxyz"),
    "md": (["md", "{water}", "--teacher", "spcfw", "--settings", "{md_settings}"], [], "md.nc"),
    "label": (["label", "{md}", "--teacher", "spcfw", "--test-fraction", "0", "--validation-fraction", "0.2"],
              ["--seed", "3"], "labels.nc"),
    "train": (["train", "{labels}", "--model", "{model}", "--settings", "{settings}"], ["--compare", "{labels}"],
              "student.pt"),
    "evaluate": (["evaluate", "{student}", "--labels", "{labels}"], ["--dft", "{labels_other}"], "metrics.nc"),
    "response": (["response", "{md}", "--student", "{student}", "--bec-stride", "2"], ["--bec-stride", "3"],
                 "response.nc"),
    "ir": (["ir", "{response}"], ["--overlap", "0.5", "--block-length-fs", "2"], "ir.nc"),
    "electrostatics": (["electrostatics", "{water}", "--charges", "O=-0.82,H=0.41"], ["--epsilon-inf", "1.78"],
                       "electrostatics.nc"),
}


def _fill(arguments: list[str], files: dict[str, Path]) -> list[str]:
    return [a.format(**{k: str(v) for k, v in files.items()}) for a in arguments]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_reuse_refuse_overwrite(inputs, tmp_path, command, capsys):
    arguments, change, name = COMMANDS[command]
    output = tmp_path / name
    first = _fill(arguments, inputs) + ["-o", str(output)]
    assert main(first) == 0
    made, record = output.read_bytes(), json.loads(record_path(output).read_text())
    assert record["inputs"] and all(len(entry["sha256"]) == 64 for entry in record["inputs"].values()) \
        or command == "build-system"
    assert record["lesdistill_version"] and record["output_sha256"]

    capsys.readouterr()
    assert main(first) == 0  # same inputs and settings: reused, untouched
    assert "is up to date" in capsys.readouterr().out and output.read_bytes() == made

    changed = _other_run(command, first, change, inputs)
    assert main(changed) == 2  # another run onto the same output: refused, untouched
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "refusing to replace it (use --overwrite" in error[0]
    assert output.read_bytes() == made

    assert main(changed + ["--overwrite"]) == 0  # replaced, with a new record
    assert output.read_bytes() != made
    replaced = json.loads(record_path(output).read_text())
    assert (replaced["inputs"], replaced["settings"]) != (record["inputs"], record["settings"])
    assert main(changed) == 0 and "is up to date" in capsys.readouterr().out


def _other_run(command: str, first: list[str], change: list[str], files: dict[str, Path]) -> list[str]:
    """The command line of another run onto the same output."""
    replaced = {"md": ("md_settings", "md_settings_other"), "train": ("labels", "labels_other")}.get(command)
    if replaced is not None:  # another settings file, another label set
        return [str(files[replaced[1]]) if a == str(files[replaced[0]]) else a for a in first]
    return first + _fill(change, files)


def test_a_failed_overwrite_keeps_the_previous_file(inputs, tmp_path):
    output = tmp_path / "response.nc"
    assert main(["response", str(inputs["md"]), "--student", str(inputs["student"]), "-o", str(output)]) == 0
    before = output.read_bytes()
    broken = tmp_path / "broken.pt"
    broken.write_bytes(inputs["student"].read_bytes()[:100])
    assert main(["response", str(inputs["md"]), "--student", str(broken), "-o", str(output), "--overwrite"]) == 2
    assert output.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.pt", "response.nc", "response.nc.made-from.json"]


def test_an_unfinished_run_without_a_recorded_chunk_does_not_block_the_next(tmp_path):
    output = tmp_path / "labels.nc"
    partial_path(output).write_bytes(b"first chunk died before it was recorded")
    assert resume(output, {"seed": 1}) == 0 and not partial_path(output).exists()
    partial_path(output).write_bytes(b"a recorded chunk of another request")
    progress_path(output).write_text(json.dumps({"request": {"seed": 0}, "frames_done": 3}))
    with pytest.raises(ValueError, match="--overwrite to discard it"):
        resume(output, {"seed": 1})
    assert partial_path(output).exists()
    assert resume(output, {"seed": 1}, discard_other=True) == 0 and not partial_path(output).exists()


def _entry_point(arguments: list[str], folder: Path) -> subprocess.CompletedProcess:
    """Run the installed ``lesdistill`` console script (this checkout first on PYTHONPATH)."""
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    script = Path(sys.executable).with_name("lesdistill")
    return subprocess.run([str(script), *arguments], cwd=folder, capture_output=True, text=True, env=environment,
                          timeout=120)


def test_the_entry_point_prints_one_line_without_traceback(tmp_path):
    arguments = ["response", "md.nc", "--student", "s.pt", "--epsilon-inf", "0", "-o", "r.nc"]
    result = _entry_point(arguments, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lesdistill response: error: --epsilon-inf 0")
    assert list(tmp_path.iterdir()) == []


def test_debug_shows_the_traceback(tmp_path):
    result = _entry_point(["--debug", "train", "labels.nc", "-o", "student.pt"], tmp_path)
    assert result.returncode != 0 and "Traceback" in result.stderr and "give --model" in result.stderr


def test_figures_folder_is_reused_refused_or_overwritten(inputs, tmp_path, capsys):
    out = tmp_path / "figures"
    first = ["figures", "--out", str(out), "--response", f"t/water={inputs['response']}", "--formats", "png",
             "--dpi", "40"]
    assert main(first) == 0
    made = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "made-from.json" in made and "bec_distributions.png" in made
    capsys.readouterr()
    assert main(first) == 0 and "is up to date" in capsys.readouterr().out
    other = first[:-1] + ["50"]
    assert main(other) == 2 and "dpi: 40 then, 50 now" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == made
    assert main(other + ["--overwrite"]) == 0
    assert (out / "bec_distributions.png").read_bytes() != made["bec_distributions.png"]
