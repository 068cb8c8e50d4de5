"""The quality gate: thresholds on validation errors, the MD stability probe, charges and the CLI."""

from __future__ import annotations

import json

import ase.io
import numpy as np
import pytest
import yaml

from lesdistill.cli import main
from lesdistill.md.settings import MDSettings
from lesdistill.quality import QualitySettings, judge, molecular_net_charges, read_verdict
from lesdistill.systems import water_box
from lesdistill.training import evaluate_student, train

from .training.test_train import MODEL, dataset, settings  # noqa: F401 (the module fixture)

PROBE_MD = MDSettings(ensemble="nvt", thermostat="bussi", timestep_fs=0.5, temperature_K=300, thermostat_time_fs=50,
                      equilibration_steps=0, production_steps=10, max_temperature_K=5000)


@pytest.fixture(scope="module")
def student(dataset, tmp_path_factory):  # noqa: F811
    return train(dataset, MODEL, settings(epochs=2), tmp_path_factory.mktemp("student") / "student.pt")


@pytest.fixture(scope="module")
def structure(dataset, tmp_path_factory):  # noqa: F811
    path = tmp_path_factory.mktemp("structure") / "start.extxyz"
    ase.io.write(path, water_box(8, seed=5))
    return path


def test_thresholds_decide_and_name_the_numbers(student, dataset, structure):  # noqa: F811
    force = evaluate_student(student, dataset)["forces_rmse_mev_a"]
    loose = judge(student, [dataset], structure, PROBE_MD,
                  QualitySettings(max_force_rmse_mev_a=2 * force, max_energy_rmse_mev_atom=1e4, probe_steps=10,
                                  probe_max_temperature_deviation_K=1e4, probe_max_drift_mev_atom_ps=1e6), "cell")
    assert loose.passed and loose.failures == [] and loose.probe["steps"] == 10
    assert loose.force_rmse_mev_a == pytest.approx(force)
    assert loose.provenance["device"] == "cpu"  # auto resolves to the CPU here and is recorded
    strict = judge(student, [dataset], structure, PROBE_MD,
                   QualitySettings(max_force_rmse_mev_a=force / 2, max_energy_rmse_mev_atom=1e4, probe_steps=0), "cell")
    assert not strict.passed
    assert strict.failures == [f"validation force RMSE {force:.1f} meV/Å > max_force_rmse_mev_a {force / 2:g}"]
    assert set(strict.charges) >= {"q_O", "q_H", "bec_O", "bec_H", "molecule_abs_net_charge"}
    assert strict.charges["bec_O"] < 0  # the canonical sign


def test_an_unstable_probe_fails_the_gate(student, dataset, structure):  # noqa: F811
    verdict = judge(student, [dataset], structure, PROBE_MD,
                    QualitySettings(max_force_rmse_mev_a=1e6, max_energy_rmse_mev_atom=1e6, probe_steps=10,
                                    probe_min_distance_A=1.2), "cell")
    assert not verdict.passed and verdict.failures[0].startswith("probe MD stopped: atoms")


def test_molecular_net_charges_group_each_hydrogen_with_its_nearest_heavy_atom():
    atoms = water_box(4, seed=2)
    charges = np.where(atoms.numbers == 8, -0.8, 0.4)
    charges[0] += 0.1  # one oxygen off by 0.1 e
    nets = molecular_net_charges(atoms.positions, atoms.cell.array, atoms.numbers, charges)
    assert sorted(np.round(nets, 12)) == [0.0, 0.0, 0.0, 0.1]


def test_gate_command_stops_or_warns(student, dataset, structure, tmp_path, capsys):  # noqa: F811
    strict = {"max_force_rmse_mev_a": 1e-3, "probe_steps": 0}
    (tmp_path / "stop.yaml").write_text(yaml.safe_dump(strict))
    (tmp_path / "warn.yaml").write_text(yaml.safe_dump({**strict, "on_fail": "warn"}))
    arguments = [str(student), "--labels", str(dataset), "--structure", str(structure), "--label", "t/water/student"]
    with pytest.raises(SystemExit) as stopped:
        main(["gate", *arguments, "--settings", str(tmp_path / "stop.yaml"), "-o", str(tmp_path / "stop.json")])
    assert stopped.value.code == 1 and not (tmp_path / "stop.json").exists()
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and line.startswith("lesdistill gate: quality gate FAILED for t/water/student: "
                                                "validation force RMSE") and "max_force_rmse_mev_a 0.001" in line
    assert main(["gate", *arguments, "--settings", str(tmp_path / "warn.yaml"), "-o", str(tmp_path / "warn.json")]) == 0
    verdict = read_verdict(tmp_path / "warn.json")
    assert verdict["passed"] is False and verdict["on_fail"] == "warn"
    assert json.loads((tmp_path / "warn.json").read_text())["thresholds"]["max_force_rmse_mev_a"] == 1e-3
    before = (tmp_path / "warn.json").read_bytes()
    assert main(["gate", *arguments, "--settings", str(tmp_path / "warn.yaml"), "-o", str(tmp_path / "warn.json")]) == 0
    assert "up to date" in capsys.readouterr().out  # same inputs: the verdict is reused
    (tmp_path / "warn.yaml").write_text(yaml.safe_dump({**strict, "on_fail": "warn", "max_force_rmse_mev_a": 1e-2}))
    assert main(["gate", *arguments, "--settings", str(tmp_path / "warn.yaml"), "-o", str(tmp_path / "warn.json")]) == 2
    assert "made from other inputs (settings differs)" in capsys.readouterr().err
    assert (tmp_path / "warn.json").read_bytes() == before  # a verdict of other settings is never replaced silently


def test_a_student_stopped_by_the_time_limit_fails_and_the_verdict_says_so(dataset, structure, tmp_path):  # noqa: F811
    stopped = train(dataset, MODEL, settings(epochs=3, time_limit_minutes=1e-9), tmp_path / "stopped.pt")
    verdict = judge(stopped, [dataset], structure, PROBE_MD,
                    QualitySettings(max_force_rmse_mev_a=1e6, max_energy_rmse_mev_atom=1e6, probe_steps=0), "cell")
    assert not verdict.passed and verdict.failures == ["training stopped by time limit at epoch 1 of 3"]
    assert verdict.stopped_by_time_limit == "stopped by time limit at epoch 1 of 3"
