"""The tiny spcfw workflow through a real Slurm with profiles/slurm (sbatch, sacct status checks).

Run by `make test-slurm`, which starts a throw-away one-node cluster (tests/slurm/run.sh) and sets
LESDISTILL_SLURM_TEST=1. Skipped everywhere else, so the default suite never submits jobs, not even
on a cluster's login node. By hand on a real cluster: LESDISTILL_SLURM_TEST=1,
LESDISTILL_SLURM_PARTITION / LESDISTILL_SLURM_ACCOUNT as needed, and `--basetemp` on a file system
that the compute nodes share.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ..helpers import tiny_workflow_config

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
TIMEOUT_S = int(os.environ.get("LESDISTILL_SLURM_TIMEOUT", "1200"))
# every rule that Slurm runs (the tiny config's device is auto: no rule books a GPU)
#: Jobs submitted per rule; the gate judges the first student (before exploring) and the last round's (before MD).
SUBMITTED_JOBS = {"build_system": 1, "relax": 1, "sample": 1, "label": 1, "train": 1, "gate": 2, "explore": 1,
                  "relabel": 1, "retrain": 1, "student_md": 1, "response": 1, "ir": 1, "evaluate": 1,
                  "make_figures": 1, "electrostatics": 1}
SUBMITTED_RULES = set(SUBMITTED_JOBS)
LOCAL_RULES = {"md_settings", "training_settings", "student_model", "explore_settings", "iteration_settings"}


def slurm_unavailable() -> str | None:
    """Why the test cannot run here, or None."""
    if os.environ.get("LESDISTILL_SLURM_TEST") != "1":
        return "real-Slurm test: run `make test-slurm` (or set LESDISTILL_SLURM_TEST=1 next to a running Slurm)"
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        return "Slurm is not installed (no sbatch/sinfo)"
    try:
        probe = subprocess.run(["sinfo", "-h", "-o", "%P"], capture_output=True, text=True, timeout=30,
                               check=False)
    except subprocess.TimeoutExpired:
        return "Slurm is not running (sinfo timed out)"
    if probe.returncode != 0:
        return f"Slurm is not running (sinfo: {probe.stderr.strip()[:200]})"
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')"
    return None


REASON = slurm_unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


def snakemake_command(workdir: Path, config: Path) -> list[str]:
    partition = os.environ.get("LESDISTILL_SLURM_PARTITION", "")
    account = os.environ.get("LESDISTILL_SLURM_ACCOUNT", "")
    # overrides of profiles/slurm for a small CPU-only node: the test's partition/account,
    # 1 CPU and 1 GB per job, quick status checks, no retries, logs of successful jobs kept
    overrides = [f"{rule}:mem_mb=1000" for rule in sorted(SUBMITTED_RULES | {"finetune"})]
    return [
        "timeout", "-s", "INT", "-k", "60", str(TIMEOUT_S),  # snakemake waiting on Slurm ignores SIGTERM
        str(SNAKEMAKE), "--snakefile", str(ROOT / "workflow" / "Snakefile"), "--directory", str(workdir),
        "--workflow-profile", str(ROOT / "profiles" / "slurm"), "--configfile", str(config),
        "--default-resources", f"slurm_partition={partition!r}", f"slurm_account={account!r}", "mem_mb=1000",
        "runtime=30", "cpus_per_task=threads",
        "--set-resources", *overrides,
        "--max-threads", "1", "--jobs", "2", "--retries", "0", "--latency-wait", "5",
        "--slurm-init-seconds-before-status-checks", "2", "--slurm-keep-successful-logs",
    ]


def test_tiny_workflow_runs_through_sbatch(tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    config = tiny_workflow_config(workdir, rounds=1)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(snakemake_command(workdir, config), capture_output=True, text=True, env=env,
                            timeout=TIMEOUT_S + 120, check=False)
    log = result.stdout + result.stderr
    (tmp_path / "snakemake.log").write_text(log)
    assert result.returncode == 0, f"snakemake exited {result.returncode} (124: timed out)\n{log[-6000:]}"

    # the cell's outputs
    import xarray as xr

    cell = workdir / "results" / "spcfw" / "water"
    with xr.open_dataset(cell / "ir.nc") as ir:
        assert ir.attrs["reference_name"] == "water" and "peak_shift" in ir
    for path in ("results/spcfw/water/student.pt", "results/spcfw/water/response.nc", "results/electrostatics/water.nc",
                 "results/figures/ir_water.png", "results/figures/bec_distributions.png"):
        assert (workdir / path).stat().st_size > 0, path

    # every non-local job went through sbatch: "Job N has been submitted with SLURM jobid M (log: ...)"
    submitted = {}
    for job_id, logfile in re.findall(r"submitted with SLURM jobid (\d+) \(log: (\S+?)\)", log):
        rule = re.search(r"rule_(\w+?)(?:/|$)", logfile.replace(str(workdir), "")).group(1)
        submitted[job_id] = rule
        assert Path(logfile).is_file(), logfile  # the plugin's per-job log (kept: --slurm-keep-successful-logs)
    assert Counter(submitted.values()) == SUBMITTED_JOBS, submitted
    assert not LOCAL_RULES & set(submitted.values())
    slurm_logs = {p.stem for p in (workdir / ".snakemake" / "slurm_logs").rglob("*.log")}
    assert set(submitted) <= slurm_logs

    # Slurm's own record of those jobs (accounting), when the cluster keeps one
    fields = "JobID,Comment%80,Partition,Account,ReqMem,State,ExitCode,Elapsed"
    sacct = subprocess.run(["sacct", "-X", "-n", "-P", "-j", ",".join(submitted), "-o", fields],
                           capture_output=True, text=True, timeout=60, check=False)
    if sacct.returncode != 0 and "accounting storage is disabled" in sacct.stderr:
        print("sacct: accounting disabled on this cluster; evidence is the sbatch job ids above")
        return
    assert sacct.returncode == 0, sacct.stderr
    records = {line.split("|")[0]: line.split("|") for line in sacct.stdout.splitlines() if line.strip()}
    print(f"\n{'JobID':>6} {'rule':16} {'State':10} {'Partition':12} {'ReqMem':>7} Elapsed")
    for job_id, rule in sorted(submitted.items(), key=lambda item: int(item[0])):
        _, comment, part, account, mem, state, exit_code, elapsed = records[job_id]
        print(f"{job_id:>6} {rule:16} {state:10} {part:12} {mem:>7} {elapsed}")
        assert state == "COMPLETED" and exit_code == "0:0", records[job_id]
        if comment:  # the plugin's --comment rule_<name>_wildcards_... (stored with AccountingStoreFlags=job_comment)
            assert comment.startswith(f"rule_{rule}"), (comment, rule)
        for value, variable in ((part, "LESDISTILL_SLURM_PARTITION"), (account, "LESDISTILL_SLURM_ACCOUNT")):
            if os.environ.get(variable):  # the test's overrides of the profile's "" placeholders
                assert value == os.environ[variable], (variable, value)
        assert mem.startswith("1000"), mem  # the test's set-resources mem_mb=1000, not the rules' 8000
