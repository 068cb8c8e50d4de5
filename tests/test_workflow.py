"""The Snakemake workflow: dry-run of the demo config and a tiny real run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import xarray as xr

ROOT = Path(__file__).resolve().parent.parent
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def run_snakemake(workdir: Path, *arguments: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        [str(SNAKEMAKE), "--snakefile", str(ROOT / "workflow" / "Snakefile"), "--directory", str(workdir), "--cores", "1", *arguments],
        capture_output=True, text=True, env=env, timeout=600,
    )


def test_demo_config_dry_run_plans_every_stage(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    result = run_snakemake(tmp_path, "--configfile", str(ROOT / "config" / "demo.yaml"), "--dry-run")
    assert result.returncode == 0, result.stderr
    for rule in ("build_system", "relax", "sample", "label", "electrostatics", "all"):
        assert rule in result.stdout


def test_tiny_workflow_runs_end_to_end(tmp_path):
    config = tmp_path / "tiny.yaml"
    settings = tmp_path / "md.yaml"
    settings.write_text("ensemble: nvt\nthermostat: bussi\ntimestep_fs: 0.5\nequilibration_steps: 2\n"
                        "production_steps: 12\nsample_stride: 2\ncheckpoint_every: 4\n")
    config.write_text(
        f"teachers: [spcfw]\nsampling: {{relax_fmax: 0.1, relax_steps: 100, settings: {settings}}}\n"
        "labelling: {validation_fraction: 0.2, test_fraction: 0.2, seed: 0}\n"
        "systems:\n  water:\n    builder: water\n    molecules: 8\n    density: 0.997\n    seed: 1\n"
        "    charges: {O: -0.82, H: 0.41}\n    epsilon_inf: 1.78\n"
    )
    result = run_snakemake(tmp_path, "--configfile", str(config))
    assert result.returncode == 0, result.stderr
    with xr.open_dataset(tmp_path / "results" / "electrostatics" / "water.nc") as data:
        assert data.sizes["atom"] == 24
    assert (tmp_path / "logs" / "electrostatics" / "water.log").read_text().strip()
    assert (tmp_path / "results" / "benchmarks" / "build_system" / "water.tsv").exists()
    with xr.open_dataset(tmp_path / "results" / "spcfw" / "water" / "labels.nc") as labels:
        assert labels.sizes["frame"] == 6 and labels.attrs["teacher"] == "spcfw"
