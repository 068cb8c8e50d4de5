"""The Snakemake workflow: dry-run of the demo config and a tiny real run."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from lesdistill.md.reader import read_trajectory

from ..helpers import kill_after_frames, tiny_workflow_config, write_mixed_waters, write_perturbed_waters

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def snakemake_env() -> dict[str, str]:
    """The environment with this interpreter's `lesdistill` first on PATH."""
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def run_snakemake(workdir: Path, *arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SNAKEMAKE), "--snakefile", str(ROOT / "workflow" / "Snakefile"), "--directory", str(workdir), "--cores", "1", *arguments],
        capture_output=True, text=True, env={**snakemake_env(), **(env or {})}, timeout=600,
    )


def test_demo_config_dry_run_plans_every_stage(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    result = run_snakemake(tmp_path, "--configfile", str(ROOT / "config" / "demo.yaml"), "--dry-run")
    assert result.returncode == 0, result.stderr
    for rule in ("build_system", "relax", "sample", "label", "train", "gate", "student_md", "response", "ir", "make_figures",
                 "electrostatics", "all"):
        assert rule in result.stdout
    assert job_count(result.stdout, "train") == 3 and job_count(result.stdout, "gate") == 3
    assert job_count(result.stdout, "evaluate") == 3 and job_count(result.stdout, "teacher_bec") == 1
    assert job_count(result.stdout, "total") == 46


@pytest.mark.slow
def test_paper_campaign_dry_run_lists_every_cell_and_one_cell_builds_only_its_chain(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    missing = run_snakemake(tmp_path, "--configfile", str(ROOT / "config" / "config.yaml"), "--dry-run")
    assert missing.returncode == 0, missing.stderr  # the user's SCAN data is optional: its stages are skipped
    for key in ("systems.tio2-water.sampling.dataset", "systems.tio2-water.finetune_data"):
        assert f"warning: {key}: data/tio2-water/scan_dft.extxyz not found" in missing.stderr, key
    assert "warning: systems.water.bec_reference: data/water/dft_bec.extxyz not found" in missing.stderr
    assert job_count(missing.stdout, "finetune") == 0 and job_count(missing.stdout, "sample") == 2 + 12
    (tmp_path / "data" / "tio2-water").mkdir(parents=True)
    (tmp_path / "data" / "tio2-water" / "scan_dft.extxyz").touch()  # the SCAN data, supplied by the user
    (tmp_path / "data" / "water").mkdir()
    (tmp_path / "data" / "water" / "dft_bec.extxyz").touch()  # DFT BECs of water frames
    result = run_snakemake(tmp_path, "--configfile", str(ROOT / "config" / "config.yaml"), "--dry-run",
                           "--printshellcmds", "--forceall")
    assert result.returncode == 0, result.stderr
    for stage in ("relax", "label", "train", "evaluate", "student_md", "response", "ir"):
        assert job_count(result.stdout, stage) == 40, stage
    # teachers with a charge model: water gfn1-xtb, gfn2-xtb, so3lr; HCl gfn2-xtb, so3lr
    assert job_count(result.stdout, "teacher_bec") == 5
    # shared sampling: UMA-M OMol samples water, UMA-S OMol HCl, TiO2–water labels the SCAN frames
    assert job_count(result.stdout, "sample") == 2 and job_count(result.stdout, "finetune") == 12 * 5
    for stage in ("student_md", "response", "ir", "evaluate"):  # fine-tuned students are additional cells
        assert job_count(result.stdout, f"{stage}_finetuned") == 12 * 5, stage
    md = [line for line in result.stdout.splitlines() if "lesdistill md " in line and "--student" in line]
    assert sum("--student results/chgnet-0.3.0/tio2-water/student.pt" in line for line in md) == 1
    assert sum("--student results/chgnet-0.3.0/tio2-water/finetune-" in line for line in md) == 5
    assert any("results/chgnet-0.3.0/tio2-water/finetune-f10/md.nc" in line for line in md)
    assert job_count(result.stdout, "direct_fit") == job_count(result.stdout, "evaluate_direct_fit") == 1
    labels = [line for line in result.stdout.splitlines() if " label " in line and "--teacher" in line]
    assert sum("results/uma-m-omol/water/sample.nc" in line for line in labels) == 16
    assert sum("data/tio2-water/scan_dft.extxyz" in line for line in labels) == 12
    evaluations = [line for line in result.stdout.splitlines() if "lesdistill evaluate" in line]
    water = [line for line in evaluations if "--settings results/settings/water/evaluate.yaml" in line]
    assert sum("--bec-reference data/water/dft_bec.extxyz" in line for line in water) == 16  # ε∞ in the settings
    assert sum("--teacher-bec results/so3lr/water/teacher_bec.extxyz" in line for line in water) == 1
    assert job_count(result.stdout, "train_subset") == job_count(result.stdout, "evaluate_subset") == 16 * 7
    assert sum("--dft data/tio2-water/scan_dft.extxyz" in line for line in evaluations) == 12 * (1 + 5) + 1  # + the direct fit
    assert job_count(result.stdout, "build_system") == 3
    one = run_snakemake(tmp_path, "--configfile", str(ROOT / "config" / "config.yaml"), "--dry-run",
                        "results/chgnet-0.3.0/water/ir.nc")
    assert one.returncode == 0, one.stderr
    assert job_count(one.stdout, "train") == 1 and job_count(one.stdout, "build_system") == 1
    assert "results/chgnet-0.3.0/water/student.pt" in one.stdout and "hcl" not in one.stdout.replace("hcl_", "")
    assert "results/uma-m-omol/water/sample.nc" in one.stdout  # the shared frames


def job_count(plan: str, rule: str) -> int:
    """Jobs of ``rule`` in the job-stats table of a dry run (0 when absent)."""
    for line in plan.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == rule and parts[1].isdigit():
            return int(parts[1])
    return 0


def test_iterative_rounds_chain_student_md_relabelling_and_retraining(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    config = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    config["iterative"] = {"rounds": 2, "frames_per_round": 20}
    (tmp_path / "iterative.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(tmp_path, "--configfile", str(tmp_path / "iterative.yaml"), "--dry-run", "--printshellcmds")
    assert result.returncode == 0, result.stderr
    for stage in ("explore", "relabel", "retrain"):
        assert job_count(result.stdout, stage) == 2 * 3, stage
    assert job_count(result.stdout, "gate") == 3 * 3  # the first student and each round's
    assert job_count(result.stdout, "total") == 46 + 3 * 6 + 2 * 3 + 2 + 2 + 1  # + two explore and two relabel settings, one iteration settings
    cell = "results/chgnet-0.3.0/water"
    assert (f"lesdistill train {cell}/labels.nc {cell}/iteration1/labels.nc {cell}/iteration2/labels.nc "
            f"--init {cell}/iteration1/student.pt") in result.stdout
    assert f"--student {cell}/iteration2/student.pt --settings results/settings/water/student_md.yaml" in result.stdout


def planned_jobs(plan: str) -> list[tuple[str, str | None, str | None, int]]:
    """(rule, teacher, --device value, gpu resource) of every job in a dry run with shell commands."""
    jobs = []
    for block in re.split(r"\nrule ", plan)[1:]:
        rule = block.split(":", 1)[0]
        teacher = re.search(r"wildcards: .*?teacher=([^,\s]+)", block)
        device = re.search(r"--device (\S+)", block)
        gpu = re.search(r"resources: .*?\bgpu=(\d+)", block)
        jobs.append((rule, teacher and teacher.group(1), device and device.group(1), int(gpu.group(1)) if gpu else 0))
    return jobs


COMPUTING_RULES = {"relax", "sample", "label", "relabel", "teacher_bec", "train", "explore", "retrain", "gate",
                   "evaluate", "student_md", "response", "electrostatics"}
#: the rules that run the teacher: CPU-only teachers (tblite) stay on the CPU whatever the device
TEACHER_RULES = ("relax", "sample", "label", "relabel", "teacher_bec")


@pytest.mark.slow
def test_every_computing_rule_passes_its_device_and_books_a_gpu_only_for_cuda(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    config = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    config["iterative"] = {"rounds": 1, "frames_per_round": 20}
    (tmp_path / "auto.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(tmp_path, "--configfile", str(tmp_path / "auto.yaml"), "--dry-run", "--printshellcmds")
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result.stdout)
    assert {rule for rule, *_ in jobs} >= COMPUTING_RULES
    for rule, teacher, device, gpu in jobs:  # default: auto, resolved where each job runs; no GPU booked
        expected = None if rule not in COMPUTING_RULES else "cpu" if teacher == "gfn1-xtb" and rule in TEACHER_RULES \
            else "auto"
        assert (device, gpu) == (expected, 0), (rule, teacher)

    config.update(device="cuda", devices={"train": "cpu", "response": "cuda:1"})
    (tmp_path / "cuda.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(tmp_path, "--configfile", str(tmp_path / "cuda.yaml"), "--dry-run", "--printshellcmds")
    assert result.returncode == 0, result.stderr
    for rule, teacher, device, gpu in planned_jobs(result.stdout):
        if rule not in COMPUTING_RULES:
            expected = (None, 0)
        elif rule in TEACHER_RULES and teacher == "gfn1-xtb":
            expected = ("cpu", 0)  # tblite computes on the CPU only: no GPU booked for it
        else:
            device_of = {"train": "cpu", "response": "cuda:1"}.get(rule, "cuda")
            expected = (device_of, int(device_of.startswith("cuda")))
        assert (device, gpu) == expected, (rule, teacher)


@pytest.mark.slow
def test_tiny_workflow_runs_end_to_end_and_reruns_only_what_changed(tmp_path):
    config = tiny_workflow_config(tmp_path, rounds=1)
    result = run_snakemake(tmp_path, "--configfile", str(config))
    assert result.returncode == 0, result.stderr
    cell = tmp_path / "results" / "spcfw" / "water"
    with xr.open_dataset(cell / "iteration1" / "labels.nc") as relabelled:  # the round's student MD, teacher-labelled
        assert relabelled.sizes["frame"] == 6 and 2 not in relabelled.split.values
        assert relabelled.attrs["teacher"] == "spcfw"
    with xr.open_dataset(cell / "md.nc") as md:  # the long MD runs the student of the last round
        assert md.attrs["student"] == "results/spcfw/water/iteration1/student.pt"
    with xr.open_dataset(tmp_path / "results" / "electrostatics" / "water.nc") as data:
        assert data.sizes["atom"] == 24
    with xr.open_dataset(cell / "labels.nc") as labels:
        assert labels.sizes["frame"] == 12 and labels.attrs["teacher"] == "spcfw"
        n_test = int((labels.split.values == 2).sum())
    with xr.open_dataset(cell / "response.nc") as response:
        assert response.sizes["frame"] == 40 and np.isfinite(response.current.values).all()
    with xr.open_dataset(cell / "ir.nc") as ir:
        assert ir.attrs["reference_name"] == "water" and "peak_shift" in ir
    with xr.open_dataset(cell / "metrics.nc") as metrics:  # the student of the last round on the teacher's test frames
        assert metrics.attrs["student"] == "results/spcfw/water/iteration1/student.pt"
        assert int(metrics.n_frames.sel(reference="teacher")) == n_test > 0
        assert float(metrics.forces_rmse_mev_a.sel(reference="teacher")) > 0
    for gated in ("student", "iteration1/student"):  # every student the cell uses passed its gate
        assert json.loads((cell / f"{gated}.gate.json").read_text())["passed"] is True
    assert "FAILED GATE" not in (tmp_path / "results/figures/ir_water_peaks.md").read_text()
    for path in ("results/figures/ir_water.png", "results/figures/bec_distributions.png", "logs/train/spcfw/water.log",
                 "logs/gate/spcfw/water/student.log", "results/benchmarks/gate/spcfw/water/student.tsv",
                 "results/benchmarks/student_md/spcfw/water.tsv"):
        assert (tmp_path / path).stat().st_size > 0, path

    summary = run_snakemake(tmp_path, "summary", "--configfile", str(config))
    assert summary.returncode == 0, summary.stderr
    with open(tmp_path / "results" / "summary.csv") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["status"] == "complete" and float(row["test_forces_rmse_mev_a"]) > 0
    assert any(key.endswith("_shift_cm1") for key in row)  # band columns from ir.nc (20 fs blocks: no peaks)
    assert float(row["md_speedup"]) > 0  # spcfw sampled the system itself: both MD runs are timed

    report = run_snakemake(tmp_path, "--configfile", str(config), "--report", str(tmp_path / "report.html"))
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report.html").stat().st_size > 10_000

    again = run_snakemake(tmp_path, "--configfile", str(config), "--dry-run")
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
    (cell / "student.pt").unlink()
    rerun = run_snakemake(tmp_path, "--configfile", str(config), "--dry-run")
    for stage in ("train", "explore", "relabel", "retrain", "evaluate", "student_md", "response", "ir", "make_figures"):
        assert job_count(rerun.stdout, stage) == 1, stage
    for stage in ("sample", "label", "build_system"):
        assert job_count(rerun.stdout, stage) == 0, stage


STRICT_GATE = "{max_force_rmse_mev_a: 0.001, probe_steps: 0, on_fail: %s}"


@pytest.mark.slow
def test_the_gate_stops_a_cell_whose_student_misses_the_threshold(tmp_path):
    config = tiny_workflow_config(tmp_path, quality=STRICT_GATE % "stop")
    result = run_snakemake(tmp_path, "results/spcfw/water/md.nc", "--configfile", str(config))
    assert result.returncode != 0
    cell = tmp_path / "results" / "spcfw" / "water"
    assert (cell / "student.pt").exists() and not (cell / "student.gate.json").exists() and not (cell / "md.nc").exists()
    line = (tmp_path / "logs/gate/spcfw/water/student.log").read_text().strip().splitlines()[-1]
    assert line.startswith("lesdistill gate: quality gate FAILED for spcfw/water/student: validation force RMSE")
    assert "> max_force_rmse_mev_a 0.001" in line


@pytest.mark.slow
def test_a_warn_gated_cell_runs_on_and_is_marked_in_the_peak_table(tmp_path):
    config = tiny_workflow_config(tmp_path, quality=STRICT_GATE % "warn")
    result = run_snakemake(tmp_path, "figures", "--configfile", str(config))
    assert result.returncode == 0, result.stderr
    verdict = json.loads((tmp_path / "results/spcfw/water/student.gate.json").read_text())
    assert verdict["passed"] is False and verdict["on_fail"] == "warn"
    row = (tmp_path / "results/figures/ir_water_peaks.md").read_text().strip().splitlines()[-1]
    assert row.startswith("| spcfw |") and "**FAILED GATE**: validation force RMSE" in row


@pytest.mark.slow
def test_a_killed_workflow_resumes_and_keeps_what_was_finished(tmp_path):
    """SIGKILL of snakemake and its jobs during the student MD; --unlock, rerun: done, nothing redone."""
    config = tiny_workflow_config(tmp_path, student_md_steps=120)
    cell = tmp_path / "results" / "spcfw" / "water"
    command = [str(SNAKEMAKE), "--snakefile", str(ROOT / "workflow" / "Snakefile"), "--directory", str(tmp_path),
               "--cores", "1", "--configfile", str(config)]
    kill_after_frames(command, cell / "md.partial.nc", 20, timeout=300, env=snakemake_env())
    finished = {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in
                (cell / "labels.nc", cell / "student.pt", cell / "sample.nc")}
    assert not (cell / "md.nc").exists()
    assert run_snakemake(tmp_path, "--configfile", str(config), "--unlock").returncode == 0
    result = run_snakemake(tmp_path, "--configfile", str(config))
    assert result.returncode == 0, result.stderr
    for path, (mtime, content) in finished.items():
        assert path.stat().st_mtime_ns == mtime and path.read_bytes() == content, path
    log = (tmp_path / "logs" / "student_md" / "spcfw" / "water.log").read_text()
    assert "md: resuming results/spcfw/water/md.partial.nc at step " in log and "at step 0/" not in log
    with xr.open_dataset(cell / "md.nc") as md:
        assert md.sizes["frame"] == 60 and np.all(np.diff(md.step.values) == 2)
    assert (tmp_path / "results" / "figures" / "ir_water.png").stat().st_size > 0


def test_workflow_lint_is_clean(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    result = run_snakemake(tmp_path, "--configfile", str(ROOT / "config" / "demo.yaml"), "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "good condition" in result.stdout + result.stderr


@pytest.mark.slow
def test_config_values_reach_the_shell_quoted(tmp_path):
    """Values with shell syntax (a teacher's python, a fine-tuning data path) are quoted in every rule:
    the printed commands hold them as one quoted word, and running a job does not execute them."""
    (tmp_path / "data; touch INJECTED.extxyz").write_text("")
    python = "true; touch INJECTED #"
    config = tmp_path / "injection.yaml"
    config.write_text(yaml.safe_dump({
        "teachers": ["spcfw"], "teacher_overrides": {"spcfw": {"python": python}},
        "systems": {"water": {"builder": "water", "molecules": 8, "epsilon_inf": 1.78,
                              "charges": {"O": -0.82, "H": 0.41}, "finetune_data": "data; touch INJECTED.extxyz"}},
    }))
    plan = run_snakemake(tmp_path, "--configfile", str(config), "--dry-run", "--printshellcmds",
                         "results/spcfw/water/finetune-default/student.pt")
    assert plan.returncode == 0, plan.stderr
    commands = [line for line in plan.stdout.splitlines() if "lesdistill" in line and "touch" in line]
    assert len(commands) == 4  # relax, sample and label run the teacher's python; finetune reads the data
    for line in commands:
        assert f"'{python}' -m lesdistill.cli" in line or "train 'data; touch INJECTED.extxyz' --init" in line
        assert line.replace(f"'{python}'", "").replace("'data; touch INJECTED.extxyz'", "").count("touch") == 0
    run = run_snakemake(tmp_path, "results/spcfw/water/relaxed.extxyz", "--configfile", str(config))
    assert run.returncode != 0  # the quoted "python" is not a program
    assert (tmp_path / "results/systems/water/structure.extxyz").is_file()
    assert not list(tmp_path.rglob("INJECTED")), "a config value ran as a shell command"


def test_a_misspelt_config_key_gets_one_line_before_any_schema_dump(tmp_path):
    config = tmp_path / "typo.yaml"
    config.write_text("teachers: [spcfw]\nsystems: {water: {builder: water, epsilon_inf: 1.78, molecule: 8}}\n")
    result = run_snakemake(tmp_path, "--configfile", str(config), "--dry-run")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "systems.water.molecule: 8 — unknown key (did you mean 'molecules'?)" in output
    assert "additionalProperties" not in output and len(output.splitlines()) < 30


def test_every_placeholder_of_every_shell_command_is_quoted():
    """Static companion of the injection test: in the rules' shell commands, every {placeholder} is {…:q}."""
    import re

    unquoted = []
    for path in sorted((ROOT / "workflow").rglob("*.smk")) + [ROOT / "workflow" / "Snakefile"]:
        for block in re.findall(r"shell:\n((?:\s+\".*\"\n)+)", path.read_text()):
            unquoted += [f"{path.name}: {{{name}}}" for name in re.findall(r"\{([^{}]+)\}", block)
                         if not name.endswith(":q")]
    assert unquoted == []


@pytest.mark.slow
def test_shared_sampling_is_labelled_by_every_teacher_on_the_same_frames_and_split(tmp_path):
    """systems.water.sampling.teacher: SPC/Fw samples once; SPC/Fw and GFN1-xTB label those same frames."""
    config = tiny_workflow_config(tmp_path)
    text = config.read_text().replace("teachers: [spcfw]", "teachers: [spcfw, gfn1-xtb]")
    config.write_text(text.replace("    epsilon_inf: 1.78\n", "    epsilon_inf: 1.78\n    sampling: {teacher: spcfw}\n"))
    targets = ["results/spcfw/water/labels.nc", "results/gfn1-xtb/water/labels.nc"]
    result = run_snakemake(tmp_path, *targets, "--configfile", str(config))
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "results" / "gfn1-xtb" / "water" / "sample.nc").exists()
    first, second = (read_trajectory(tmp_path / target) for target in targets)
    assert first.attrs["teacher"] == "spcfw" and second.attrs["teacher"] == "gfn1-xtb"
    assert first.sizes["frame"] == second.sizes["frame"] == 12
    np.testing.assert_array_equal(first.positions.values, second.positions.values)
    np.testing.assert_array_equal(first.split.values, second.split.values)  # the same test frames
    assert 2 in first.split.values
    assert not np.allclose(first.forces.values, second.forces.values)  # two teachers' labels


@pytest.mark.slow
def test_a_failed_cell_still_yields_the_summary_with_its_row_marked(tmp_path):
    """gfn1-xtb's stages fail (its interpreter does not exist); spcfw's cell is evaluated; the summary has both."""
    config = tiny_workflow_config(tmp_path)
    text = config.read_text().replace("teachers: [spcfw]", "teachers: [spcfw, gfn1-xtb]")
    config.write_text(text + "teacher_overrides: {gfn1-xtb: {python: /nonexistent/python}}\n")
    cells = ["results/spcfw/water/metrics.nc", "results/gfn1-xtb/water/metrics.nc"]
    failed = run_snakemake(tmp_path, *cells, "--configfile", str(config), "--keep-going")
    assert failed.returncode != 0 and (tmp_path / cells[0]).is_file() and not (tmp_path / cells[1]).exists()
    result = run_snakemake(tmp_path, "summary", "--configfile", str(config))
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "results" / "summary.csv") as handle:
        rows = {row["teacher"]: row for row in csv.DictReader(handle)}
    assert rows["spcfw"]["level_of_theory"] and float(rows["spcfw"]["test_forces_rmse_mev_a"]) > 0
    assert rows["spcfw"]["status"].startswith("no md.nc: student_md did not finish")
    assert rows["gfn1-xtb"]["status"].startswith("no relaxed.extxyz: relax did not finish (logs/relax/gfn1-xtb/water.log")
    assert "/nonexistent/python" in rows["gfn1-xtb"]["status"] and rows["gfn1-xtb"]["test_forces_rmse_mev_a"] == ""
    assert "## water" in (tmp_path / "results" / "summary.md").read_text()
    assert (tmp_path / "results" / "figures" / "summary_water.png").stat().st_size > 0


@pytest.mark.slow
def test_learning_curve_students_are_trained_on_nested_subsets_evaluated_and_drawn(tmp_path):
    config = tiny_workflow_config(tmp_path)
    config.write_text(config.read_text().replace("    epsilon_inf: 1.78\n", "    epsilon_inf: 1.78\n    learning_curve: [2, 4]\n"))
    cell = tmp_path / "results" / "spcfw" / "water"
    targets = [f"results/spcfw/water/learning_curve/{n}/metrics.json" for n in (2, 4)]
    result = run_snakemake(tmp_path, *targets, "results/spcfw/water/metrics.json", "--configfile", str(config))
    assert result.returncode == 0, result.stderr
    for n in (2, 4):
        assert yaml.safe_load((tmp_path / f"results/settings/water/learning_curve-{n}.yaml").read_text())["train_frames"] == n
        assert f"train: {n} training frames (of " in (tmp_path / f"logs/train/spcfw/water/learning_curve-{n}.log").read_text()
        metrics = json.loads((cell / "learning_curve" / str(n) / "metrics.json").read_text())
        full = json.loads((cell / "metrics.json").read_text())
        assert metrics["references"]["teacher"]["n_frames"] == full["references"]["teacher"]["n_frames"]  # same test
    summary = run_snakemake(tmp_path, "summary", "--configfile", str(config))
    assert summary.returncode == 0, summary.stderr
    assert (tmp_path / "results" / "figures" / "learning_curve_water.png").stat().st_size > 0


@pytest.mark.slow
def test_a_user_dataset_of_mixed_sizes_is_labelled_trained_on_and_evaluated(tmp_path):
    """systems.water.sampling.dataset: 21- and 24-atom frames; labels in the ragged layout, a student, its metrics."""
    mixed = write_mixed_waters(tmp_path / "mixed.extxyz",
                               write_perturbed_waters(tmp_path / "frames.extxyz", 20, seed=3, scale=0.05, box_seed=1))
    config = tiny_workflow_config(tmp_path)
    config.write_text(config.read_text().replace(
        "    epsilon_inf: 1.78\n", f"    epsilon_inf: 1.78\n    sampling: {{dataset: {mixed}}}\n"))
    result = run_snakemake(tmp_path, "results/spcfw/water/metrics.json", "--configfile", str(config))
    assert result.returncode == 0, result.stderr
    labels = read_trajectory(tmp_path / "results" / "spcfw" / "water" / "labels.nc")
    assert sorted(set(labels.n_atoms.values)) == [21, 24] and labels.sizes["frame"] == 20
    assert not (tmp_path / "results" / "spcfw" / "water" / "sample.nc").exists()
    metrics = json.loads((tmp_path / "results" / "spcfw" / "water" / "metrics.json").read_text())
    assert metrics["references"]["teacher"]["n_frames"] == 4 and metrics["references"]["teacher"]["forces_rmse_mev_a"] > 0
