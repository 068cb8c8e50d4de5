"""A tiny campaign cell with a random-weight foundation teacher through the workflow, up to the trained
student: the teacher rules (relax, sample, label) run in the teacher stack's interpreter
(``teacher_overrides.<id>.python``), training in this one. (A student of random-weight labels is not
stable enough for the cell's student MD, so the target is the student.) Runs in the base environment when LESDISTILL_TEACHER_PYTHON names a
fairchem v2 interpreter (`make test-teachers` sets it)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr
import yaml

from lesdistill.teachers.checkpoints import sha256_of

from ..helpers import tiny_workflow_config
from ..workflow.test_workflow import run_snakemake

pytestmark = [pytest.mark.teachers,
              pytest.mark.skipif("LESDISTILL_TEACHER_PYTHON" not in os.environ,
                                 reason="needs LESDISTILL_TEACHER_PYTHON, a fairchem v2 interpreter (make test-teachers)"),
              pytest.mark.skipif(importlib.util.find_spec("fairchem") is not None,
                                 reason="runs from an interpreter without fairchem (the base stack)")]
ROOT = Path(__file__).resolve().parents[2]


def test_one_cell_with_a_random_uma_teacher_in_its_own_interpreter(tmp_path):
    pytest.importorskip("snakemake")
    python = os.environ["LESDISTILL_TEACHER_PYTHON"]
    checkpoint = tmp_path / "uma-m-1p1.pt"
    build = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tests.teachers.builders import fairchem_checkpoint; "
             f"fairchem_checkpoint({str(checkpoint)!r}, experts=2, channels=8)")
    subprocess.run([python, "-c", build], check=True, capture_output=True, timeout=600)
    config_path = tiny_workflow_config(tmp_path)
    config = yaml.safe_load(config_path.read_text())
    config["teachers"] = ["uma-m-omat"]
    config["training"]["epochs"] = 1
    config["teacher_overrides"] = {"uma-m-omat": {"checkpoint": str(checkpoint), "sha256": sha256_of(checkpoint),
                                                  "python": python}}
    config_path.write_text(yaml.safe_dump(config))
    result = run_snakemake(tmp_path, "results/uma-m-omat/water/student.pt", "--configfile", str(config_path))
    assert result.returncode == 0, result.stderr[-4000:]
    with xr.open_dataset(tmp_path / "results" / "uma-m-omat" / "water" / "labels.nc") as labels:
        assert labels.attrs["teacher"] == "uma-m-omat" and labels.attrs["teacher_sha256"] == sha256_of(checkpoint)
        assert labels.attrs["teacher_package"].startswith("fairchem-core 2.")  # labelled in the fairchem interpreter
    assert "fairchem" not in sys.modules  # while this interpreter never imported it
