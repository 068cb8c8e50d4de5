"""MD engine: physics of the integrators, exact restarts after SIGKILL, guards, settings, trajectory format."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time

import ase.io
import netCDF4
import numpy as np
import pytest
import vesin
from ase.build import bulk
from ase.calculators.calculator import Calculator, all_changes
from ase.stress import full_3x3_to_voigt_6_stress

from lesdistill.cli import build_parser
from lesdistill.commands import md as md_command
from lesdistill.md import (MDGuardError, MDSettings, calculator_from_name, load_settings, partial_path, read_trajectory,
                           run_md, to_atoms, write_extxyz)
from lesdistill.md import engine as md_engine
from lesdistill.md.calculators import argon_lennard_jones
from lesdistill.md.checkpoint import checkpoint_path, load_checkpoint
from lesdistill.progress import Progress
from lesdistill.md.trajectory import append_frames, count_frames, read_frames, truncate_frames

from ..helpers import kill_after_frames

QUIET = 10**9  # log_every that silences the per-step log lines



def argon(repeat: int = 2) -> ase.Atoms:
    """fcc argon, 4·repeat³ atoms, a = 5.26 Å."""
    return bulk("Ar", "fcc", a=5.26, cubic=True).repeat((repeat,) * 3)


def settings(**changes) -> MDSettings:
    values = dict(timestep_fs=5.0, temperature_K=60.0, thermostat_time_fs=100.0, equilibration_steps=20,
                  production_steps=120, sample_stride=2, checkpoint_every=25)
    return MDSettings(**{**values, **changes})


class StatelessLJ(Calculator):
    """Argon Lennard-Jones (shifted at 2.5σ) from a fresh single-thread vesin pair list on every call, so the
    result depends on the positions only; vectorised, ~10× faster than ASE's."""

    implemented_properties = ["energy", "forces", "stress"]
    sigma, epsilon, cutoff = 3.405, 0.010323, 2.5 * 3.405

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        pairs = vesin.NeighborList(cutoff=self.cutoff, full_list=False, sorted=True, n_threads=1)
        i, j, vectors = pairs.compute(self.atoms.positions, self.atoms.cell.array, True, quantities="ijD")
        s6 = (self.sigma**2 / (vectors**2).sum(axis=1)) ** 3
        shift = (self.sigma / self.cutoff) ** 6
        energy = 4 * self.epsilon * ((s6**2 - s6).sum() - len(s6) * (shift**2 - shift))
        pair_forces = (24 * self.epsilon * (2 * s6**2 - s6) / (vectors**2).sum(axis=1))[:, None] * vectors
        forces = np.zeros((len(self.atoms), 3))
        np.add.at(forces, j, pair_forces)
        np.add.at(forces, i, -pair_forces)
        stress = -(vectors[:, :, None] * pair_forces[:, None, :]).sum(axis=0) / self.atoms.get_volume()
        self.results = dict(energy=energy, forces=forces, stress=full_3x3_to_voigt_6_stress(stress))


class Interrupt(Exception):
    pass


def fail_on_call(calculator, call: int, nan: bool = False):
    """Make the ``call``-th evaluation raise Interrupt (a stand-in for a kill), or return NaN forces from then on."""
    original, count = calculator.calculate, [0]

    def calculate(*args, **kwargs):
        count[0] += 1
        if count[0] >= call and not nan:
            raise Interrupt()
        original(*args, **kwargs)
        if nan and count[0] >= call:
            calculator.results["forces"] = np.full_like(calculator.results["forces"], np.nan)

    calculator.calculate = calculate
    return calculator


def assert_same_trajectory(a, b, atol: float = 0.0) -> None:
    assert a.sizes == b.sizes
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        np.testing.assert_allclose(a[name].values, b[name].values, rtol=0, atol=atol, err_msg=name)


# --- physics ------------------------------------------------------------------------------------------


def test_nve_conserves_energy(tmp_path):
    path = run_md(argon(), argon_lennard_jones(), settings(ensemble="nve", timestep_fs=2.0, equilibration_steps=0,
                                                           production_steps=500, sample_stride=5, checkpoint_every=500),
                  tmp_path / "nve.nc", log_every=QUIET)
    data = read_trajectory(path)
    total = data.energy.values + data.kinetic_energy.values
    np.testing.assert_allclose(data.conserved_energy.values, total, rtol=0, atol=1e-12)
    assert np.ptp(data.energy.values) > 0.1  # eV: potential and kinetic energy do exchange
    assert np.ptp(total) < 1e-4  # eV over 1 ps (measured 1.8e-5), i.e. < 3 µeV/atom
    velocities = data.velocities.values[0]
    assert np.abs((velocities * data.mass.values[:, None]).sum(axis=0)).max() < 1e-12  # zero total momentum


@pytest.mark.parametrize("thermostat", ["nose_hoover", "bussi"])
def test_thermostats_keep_their_conserved_quantity(tmp_path, thermostat):
    path = run_md(argon(), StatelessLJ(), settings(thermostat=thermostat, timestep_fs=2.0, equilibration_steps=0,
                                                    production_steps=1000, sample_stride=5, checkpoint_every=1000),
                  tmp_path / "nvt.nc", log_every=QUIET)
    data = read_trajectory(path)
    assert np.ptp(data.conserved_energy.values) < 2e-3 * np.ptp(data.energy.values)


@pytest.mark.slow
@pytest.mark.parametrize("thermostat", ["nose_hoover", "bussi", "langevin"])
def test_nvt_mean_temperature_near_target(tmp_path, thermostat):
    path = run_md(argon(), StatelessLJ(), settings(thermostat=thermostat, equilibration_steps=400,
                                                    production_steps=1600, checkpoint_every=2000),
                  tmp_path / "nvt.nc", log_every=QUIET)
    temperature = read_trajectory(path).temperature.values
    assert temperature.mean() == pytest.approx(60.0, rel=0.1)


def test_maxwell_boltzmann_start_is_deterministic(tmp_path):
    short = dict(equilibration_steps=0, production_steps=2, sample_stride=1)
    first = read_trajectory(run_md(argon(), argon_lennard_jones(), settings(**short), tmp_path / "a.nc"))
    again = read_trajectory(run_md(argon(), argon_lennard_jones(), settings(**short), tmp_path / "b.nc"))
    other = read_trajectory(run_md(argon(), argon_lennard_jones(), settings(seed=1, **short), tmp_path / "c.nc"))
    assert np.array_equal(first.velocities.values, again.velocities.values)
    assert not np.allclose(first.velocities.values, other.velocities.values)


# --- restarts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("thermostat", [None, "nose_hoover", "bussi", "langevin"])
def test_interrupted_runs_resume_bit_for_bit(tmp_path, thermostat):
    chosen = settings(ensemble="nve" if thermostat is None else "nvt", thermostat=thermostat)
    reference = read_trajectory(run_md(argon(), StatelessLJ(), chosen, tmp_path / "ref.nc", log_every=QUIET))
    path = tmp_path / "run.nc"
    for call in (7, 40, 75):  # before the first frame, mid-run, and again after resuming
        with pytest.raises(Interrupt):
            run_md(argon(), fail_on_call(StatelessLJ(), call), chosen, path, log_every=QUIET)
        assert not path.exists() and partial_path(path).exists()
    resumed = read_trajectory(run_md(argon(), StatelessLJ(), chosen, path, log_every=QUIET))
    assert resumed.sizes["frame"] == chosen.n_frames
    assert_same_trajectory(reference, resumed)


def test_kill_between_checkpoint_and_frames_loses_nothing(tmp_path, monkeypatch):
    chosen = settings()
    reference = read_trajectory(run_md(argon(), StatelessLJ(), chosen, tmp_path / "ref.nc", log_every=QUIET))
    path = tmp_path / "run.nc"
    calls = [0]

    def append_then_die(trajectory, start, batch):
        calls[0] += 1
        if calls[0] == 3:  # the checkpoint with these frames is on disk, the frames are not
            raise Interrupt()
        append_frames(trajectory, start, batch)

    monkeypatch.setattr(md_engine, "append_frames", append_then_die)
    with pytest.raises(Interrupt):
        run_md(argon(), StatelessLJ(), chosen, path, log_every=QUIET)
    checkpoint = load_checkpoint(checkpoint_path(path))
    assert count_frames(partial_path(path)) == checkpoint.n_frames - len(checkpoint.pending["step"]) > 0
    monkeypatch.undo()
    resumed = read_trajectory(run_md(argon(), StatelessLJ(), chosen, path, log_every=QUIET))
    assert_same_trajectory(reference, resumed)
    assert np.array_equal(resumed.step.values, chosen.equilibration_steps + 2 * np.arange(1, chosen.n_frames + 1))


def test_frames_after_the_checkpoint_are_dropped_on_resume(tmp_path):
    chosen = settings()
    reference = read_trajectory(run_md(argon(), StatelessLJ(), chosen, tmp_path / "ref.nc", log_every=QUIET))
    path = tmp_path / "run.nc"
    with pytest.raises(Interrupt):
        run_md(argon(), fail_on_call(StatelessLJ(), 60), chosen, path, log_every=QUIET)
    partial = partial_path(path)
    n_checkpointed = count_frames(partial)
    stale = read_frames(partial, 0, 5)
    append_frames(partial, n_checkpointed, {k: v + 1.0 for k, v in stale.items()})  # e.g. from a later, lost state
    assert count_frames(partial) == n_checkpointed + 5
    resumed = read_trajectory(run_md(argon(), StatelessLJ(), chosen, path, log_every=QUIET))
    assert_same_trajectory(reference, resumed)


def test_truncate_frames_keeps_the_first_frames(tmp_path):
    path = run_md(argon(), argon_lennard_jones(), settings(), tmp_path / "t.nc", log_every=QUIET)
    before = read_frames(path, 0, 60)
    truncate_frames(path, 7, chunk=3)
    after = read_frames(path, 0, 60)
    assert count_frames(path) == 7
    assert all(np.array_equal(after[name], before[name][:7]) for name in before)
    assert read_trajectory(path).attrs["md_settings"] == settings().model_dump_json()


def _cli(structure, settings_file, output):
    return [sys.executable, "-m", "lesdistill.cli", "md", str(structure), "--calculator", "lj", "--settings",
            str(settings_file), "-o", str(output)]


@pytest.mark.slow
def test_sigkill_and_rerun_of_the_cli_gives_the_uninterrupted_trajectory(tmp_path):
    structure = tmp_path / "argon.extxyz"
    ase.io.write(structure, argon())
    settings_file = tmp_path / "md.yaml"
    settings_file.write_text("ensemble: nvt\nthermostat: bussi\ntimestep_fs: 5\ntemperature_K: 60\n"
                             "thermostat_time_fs: 100\nequilibration_steps: 50\nproduction_steps: 1000\n"
                             "sample_stride: 1\ncheckpoint_every: 40\nseed: 7\n")
    output = tmp_path / "killed.nc"
    partial = partial_path(output)
    for kill_at_frames in (80, 450):
        kill_after_frames(_cli(structure, settings_file, output), partial, kill_at_frames, timeout=60)
        assert not output.exists()
    finished = subprocess.run(_cli(structure, settings_file, output), capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert "resuming" in finished.stderr
    reference = run_md(argon(), argon_lennard_jones(), load_settings(settings_file), tmp_path / "ref.nc",
                       calculator_id="lj", log_every=QUIET)
    killed, uninterrupted = read_trajectory(output), read_trajectory(reference)
    assert killed.sizes["frame"] == 1000
    assert np.array_equal(killed.step.values, np.arange(51, 1051))
    # ASE's Lennard-Jones keeps a neighbour list with a skin, which sums pairs in another order after a
    # restart: equal to round-off (bit for bit with a stateless calculator, see the test above)
    assert_same_trajectory(uninterrupted, killed, atol=1e-9)


def test_finished_run_is_a_no_op(tmp_path):
    path = run_md(argon(), argon_lennard_jones(), settings(), tmp_path / "done.nc", log_every=QUIET)
    stamp, content = path.stat().st_mtime_ns, path.read_bytes()
    checkpoint = checkpoint_path(path).read_bytes()
    started = time.perf_counter()
    assert run_md(argon(), fail_on_call(argon_lennard_jones(), 1), settings(), path) == path  # no evaluation
    assert time.perf_counter() - started < 1.0
    assert path.stat().st_mtime_ns == stamp and path.read_bytes() == content
    assert checkpoint_path(path).read_bytes() == checkpoint


def test_deleted_output_is_made_again(tmp_path):
    path = run_md(argon(), StatelessLJ(), settings(), tmp_path / "done.nc", log_every=QUIET)
    first = read_trajectory(path).load()
    path.unlink()  # as a workflow manager does before it reruns a job; the finished checkpoint stays
    assert read_trajectory(run_md(argon(), StatelessLJ(), settings(), path, log_every=QUIET)).equals(first)


def test_other_settings_structure_or_calculator_are_refused(tmp_path):
    path = run_md(argon(), argon_lennard_jones(), settings(), tmp_path / "done.nc", log_every=QUIET)
    content = path.read_bytes()
    with pytest.raises(ValueError, match=r"temperature_K: stored 60.0, requested 80.0.*refusing to overwrite"):
        run_md(argon(), argon_lennard_jones(), settings(temperature_K=80.0), path)
    moved = argon()
    moved.positions[0] += 0.1
    with pytest.raises(ValueError, match="structure_sha256"):
        run_md(moved, argon_lennard_jones(), settings(), path)
    with pytest.raises(ValueError, match="calculator"):
        run_md(argon(), argon_lennard_jones(), settings(), path, calculator_id="something-else")
    assert path.read_bytes() == content

    unfinished = tmp_path / "unfinished.nc"
    with pytest.raises(Interrupt):
        run_md(argon(), fail_on_call(argon_lennard_jones(), 60), settings(), unfinished, log_every=QUIET)
    partial_bytes = partial_path(unfinished).read_bytes()
    with pytest.raises(ValueError, match="timestep_fs: stored 5.0, requested 4.0"):
        run_md(argon(), argon_lennard_jones(), settings(timestep_fs=4.0), unfinished)
    assert partial_path(unfinished).read_bytes() == partial_bytes


# --- guards -------------------------------------------------------------------------------------------


def runaway(**changes) -> MDSettings:
    """NVE argon at a 100 fs step: heats up until the 400 K guard trips, some 10–20 steps in."""
    return settings(**{**dict(ensemble="nve", timestep_fs=100.0, equilibration_steps=0, production_steps=400,
                              sample_stride=1, checkpoint_every=5, max_temperature_K=400.0, min_distance_A=0.0),
                       **changes})


def test_temperature_runaway_stops_and_keeps_frames(tmp_path):
    hot = runaway()
    path = tmp_path / "hot.nc"
    with pytest.raises(MDGuardError, match=r"temperature .* K exceeds max_temperature_K=400 at step \d+") as caught:
        run_md(argon(), argon_lennard_jones(), hot, path, log_every=QUIET)
    error = caught.value
    assert error.quantity == "temperature" and error.value > 400.0 and isinstance(error, ValueError)
    data = read_trajectory(partial_path(path))
    assert data.sizes["frame"] == error.step - 1  # every step before the failing one
    assert (data.temperature.values <= 400.0).all()
    with pytest.raises(MDGuardError, match="stopped earlier"):  # a re-run reports the failure again
        run_md(argon(), fail_on_call(argon_lennard_jones(), 1), hot, path)


def test_end_on_guard_finishes_with_the_frames_before_the_blow_up(tmp_path):
    failed = tmp_path / "failed.nc"
    with pytest.raises(MDGuardError) as caught:
        run_md(argon(), argon_lennard_jones(), runaway(), failed, log_every=QUIET)
    ended = run_md(argon(), argon_lennard_jones(), runaway(), tmp_path / "explore.nc", log_every=QUIET,
                   end_on_guard=True)
    assert ended == tmp_path / "explore.nc" and not partial_path(ended).exists()
    data, before = read_trajectory(ended), read_trajectory(partial_path(failed))
    assert data.sizes["frame"] == caught.value.step - 1 > 2  # what the failing run keeps, frame for frame
    assert_same_trajectory(data, before)
    assert re.fullmatch(r"temperature .* K exceeds max_temperature_K=400 at step \d+", data.attrs["stopped_by_guard"])
    assert run_md(argon(), fail_on_call(argon_lennard_jones(), 1), runaway(), ended, end_on_guard=True) == ended


def test_end_on_guard_ends_a_run_that_failed_before(tmp_path):
    path = tmp_path / "explore.nc"
    with pytest.raises(MDGuardError, match="frames so far are in"):
        run_md(argon(), argon_lennard_jones(), runaway(), path, log_every=QUIET)
    n_frames = count_frames(partial_path(path))
    run_md(argon(), fail_on_call(argon_lennard_jones(), 1), runaway(), path, end_on_guard=True)  # no MD step
    assert read_trajectory(path).sizes["frame"] == n_frames and "stopped_by_guard" in read_trajectory(path).attrs


@pytest.mark.slow
def test_end_on_guard_from_the_command_line(tmp_path):
    structure, settings_file, output = tmp_path / "argon.extxyz", tmp_path / "hot.yaml", tmp_path / "explore.nc"
    ase.io.write(structure, argon())
    settings_file.write_text(runaway().model_dump_json())
    failed = subprocess.run(_cli(structure, settings_file, tmp_path / "failed.nc"), capture_output=True, text=True,
                            timeout=120)
    assert failed.returncode != 0 and "exceeds max_temperature_K=400" in failed.stderr
    ended = subprocess.run(_cli(structure, settings_file, output) + ["--end-on-guard"], capture_output=True,
                           text=True, timeout=120)
    assert ended.returncode == 0, ended.stderr
    assert "ending the run with the" in ended.stderr and "frames of 32 atoms" in ended.stdout
    assert read_trajectory(output).sizes["frame"] == count_frames(partial_path(tmp_path / "failed.nc"))


def test_end_on_guard_without_a_frame_still_fails(tmp_path):
    atoms = argon()
    atoms.positions[1] = atoms.positions[0] + [0.3, 0.0, 0.0]
    with pytest.raises(MDGuardError, match="at step 0 .*no frame was sampled before it"):
        run_md(atoms, argon_lennard_jones(), settings(), tmp_path / "close.nc", end_on_guard=True)
    assert not (tmp_path / "close.nc").exists()


def test_atoms_too_close_are_refused(tmp_path):
    atoms = argon()
    atoms.positions[1] = atoms.positions[0] + [0.3, 0.0, 0.0]
    with pytest.raises(MDGuardError, match=r"atoms 0 and 1 are 0.300 Å apart, closer than min_distance_A=0.5, "
                                           r"at step 0") as caught:
        run_md(atoms, argon_lennard_jones(), settings(), tmp_path / "close.nc")
    assert caught.value.quantity == "distance"
    assert read_trajectory(partial_path(tmp_path / "close.nc")).sizes["frame"] == 0


def test_close_contact_during_the_run_is_caught(tmp_path):
    path = tmp_path / "squeeze.nc"
    with pytest.raises(MDGuardError, match=r"closer than min_distance_A=3.5, at step [1-9]"):
        run_md(argon(), argon_lennard_jones(), settings(temperature_K=200.0, min_distance_A=3.5), path, log_every=QUIET)
    assert partial_path(path).exists()


def test_non_finite_forces_stop_the_run(tmp_path):
    path = tmp_path / "nan.nc"
    with pytest.raises(MDGuardError, match=r"non-finite (forces on 32 atom\(s\)|potential energy).* at step 40"):
        run_md(argon(), fail_on_call(StatelessLJ(), 41, nan=True), settings(sample_stride=1), path, log_every=QUIET)
    data = read_trajectory(partial_path(path))
    assert data.sizes["frame"] == 19 and np.isfinite(data.forces.values).all()


# --- settings -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("values, message", [
    ({"timestep_fs": -1}, "timestep_fs: Input should be greater than 0"),
    ({"temperature_K": 0}, "temperature_K: Input should be greater than 0"),
    ({"thermostat_time_fs": float("inf")}, "thermostat_time_fs: Input should be a finite number"),
    ({"sample_stride": 0}, "sample_stride: Input should be greater than 0"),
    ({"thermostat": "berendsen"}, "thermostat: Input should be 'nose_hoover', 'bussi' or 'langevin'"),
    ({"ensemble": "nve", "thermostat": "bussi"}, "thermostat='bussi' needs ensemble 'nvt'"),
    ({"max_temperature_K": 200}, r"max_temperature_K \(200.0\) must exceed temperature_K \(300.0\)"),
    ({"production_steps": 3, "sample_stride": 5}, r"production_steps \(3\) is shorter than sample_stride"),
    ({"timestep": 1.0}, "timestep: Extra inputs are not permitted"),
])
def test_bad_settings_name_the_field(tmp_path, values, message):
    settings_file = tmp_path / "bad.yaml"
    settings_file.write_text(json.dumps(values))
    with pytest.raises(ValueError, match=message) as caught:
        load_settings(settings_file)
    assert str(settings_file) in str(caught.value)


def test_settings_defaults_and_files(tmp_path):
    default = MDSettings()
    assert (default.thermostat, default.timestep_fs, default.thermostat_time_fs) == ("nose_hoover", 0.25, 10.0)
    assert MDSettings(ensemble="nve").thermostat is None
    (tmp_path / "s.json").write_text('{"thermostat": "langevin", "seed": 3}')
    assert load_settings(tmp_path / "s.json") == MDSettings(thermostat="langevin", seed=3)
    with pytest.raises(ValueError, match="does not exist"):
        load_settings(tmp_path / "missing.yaml")


# --- files --------------------------------------------------------------------------------------------


def test_trajectory_follows_amber_and_converts_to_atoms(tmp_path):
    path = run_md(argon(), argon_lennard_jones(), settings(), tmp_path / "amber.nc", log_every=QUIET)
    data = read_trajectory(path)
    assert data.sizes == {"frame": 60, "atom": 32, "xyz": 3, "xyz_": 3}
    with netCDF4.Dataset(path) as nc:  # what AMBER readers (MDAnalysis, cpptraj) see, scale factors applied
        assert (nc.Conventions, nc.ConventionVersion, nc.file_format) == ("AMBER", "1.0", "NETCDF3_64BIT_OFFSET")
        assert [nc[v].units for v in ("coordinates", "velocities", "forces", "time", "cell_lengths", "cell_angles")] \
            == ["angstrom", "angstrom/picosecond", "kilocalorie/mole/angstrom", "picosecond", "angstrom", "degree"]
        assert nc["coordinates"].dimensions == ("frame", "atom", "spatial")
        np.testing.assert_allclose(nc["velocities"][:], 1000 * data.velocities.values, rtol=1e-14)
        np.testing.assert_allclose(nc["forces"][:], 23.0605 * data.forces.values, rtol=1e-5)
        np.testing.assert_allclose(nc["time"][:], data.time_fs.values / 1000, rtol=1e-14)
        np.testing.assert_allclose(nc["cell_angles"][:], 90.0)
    assert np.array_equal(data.time_fs.values, data.step.values * 5.0)
    assert data.attrs["calculator"].startswith("ase.calculators.lj.LennardJones")
    assert data.attrs["wall_time_s"] > 0 and data.attrs["git_revision"]
    json.loads(data.attrs["md_settings"])

    frames = to_atoms(data, [0, -1])
    assert frames[1].get_potential_energy() == float(data.energy[-1])
    np.testing.assert_array_equal(frames[1].get_forces(), data.forces.values[-1])
    np.testing.assert_allclose(frames[1].get_stress(voigt=False), data.stress.values[-1])
    assert frames[1].info["step"] == int(data.step[-1])
    ase_read = ase.io.read(path, index=-1, format="netcdftrajectory")
    np.testing.assert_array_equal(ase_read.positions, frames[1].positions)
    assert ase_read.get_chemical_symbols() == ["Ar"] * 32

    exported = ase.io.read(write_extxyz(path, tmp_path / "frames.extxyz"), index=":")
    assert len(exported) == 60
    np.testing.assert_allclose(exported[5].get_forces(), data.forces.values[5], atol=1e-8)  # extxyz: 8 decimals


def test_cli_runs_and_reports(tmp_path, capsys):
    structure = tmp_path / "argon.extxyz"
    ase.io.write(structure, argon())
    settings_file = tmp_path / "md.yaml"
    settings_file.write_text("ensemble: nve\ntimestep_fs: 5\ntemperature_K: 60\nequilibration_steps: 0\n"
                             "production_steps: 20\nsample_stride: 2\ncheckpoint_every: 10\n")
    args = build_parser().parse_args(["md", str(structure), "--calculator", "lj", "--settings", str(settings_file),
                              "-o", str(tmp_path / "md.nc"), "--extxyz", str(tmp_path / "md.extxyz")])
    md_command.run(args)
    captured = capsys.readouterr()
    assert "10 frames of 32 atoms" in captured.out
    assert "steps/s" in captured.err and "ETA" in captured.err
    assert len(ase.io.read(tmp_path / "md.extxyz", index=":")) == 10
    with pytest.raises(ValueError, match="unknown calculator 'dft'; known: emt, lj"):
        calculator_from_name("dft")


def test_progress_uses_a_bar_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = Progress(total=50, initial=10, label="md", stream=stream)
    for step in range(11, 51):
        progress.update(step, "T 300.0 K")
    progress.close()
    assert "50/50" in stream.getvalue() and "step/s" in stream.getvalue()
