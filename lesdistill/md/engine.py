"""Run MD with any ASE calculator: sample frames to a trajectory, checkpoint, resume after a kill, guard.

Files for ``trajectory`` = ``dir/name.nc``: while running, frames go to ``dir/name.partial.nc`` (readable at
any time) and the state to ``dir/name.nc.ckpt.npz``; when the run finishes the partial file is renamed to
``trajectory`` (so a workflow manager sees the output only once it is complete; the checkpoint stays).
Running the same call again resumes from the last checkpoint, and is a no-op once ``trajectory`` exists.
A resumed run reproduces an uninterrupted one exactly for a deterministic, stateless calculator (to
round-off for calculators that keep state such as neighbour lists with a skin).

A run a guard stops raises MDGuardError and keeps its frames in the partial file; with ``end_on_guard`` it
instead ends there: the frames sampled before the guard tripped become ``trajectory``, whose
``stopped_by_guard`` attribute holds the guard's message (exploration MD of iterative distillation, where
the frames before a blow-up are the ones the student most needs labelled).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from ase import Atoms, units
from ase.calculators.calculator import Calculator

from ..io.atomic import replace
from ..provenance import provenance
from .checkpoint import Checkpoint, checkpoint_path, load_checkpoint, save_checkpoint
from .guards import DistanceGuard, MDGuardError, check_energy_forces, check_temperature
from .integrators import conserved_energy, dynamics_state, make_dynamics, restore_dynamics_state
from ..progress import Progress, note
from .settings import MDSettings
from .trajectory import (FRAME_VARIABLES, LABEL_ONLY_VARIABLES, append_frames, count_frames, create_trajectory, read_attributes,
                         read_frames, set_attributes, set_wall_time, truncate_frames)
from .velocities import maxwell_boltzmann

IDENTITY_KEYS = ("md_settings", "structure_sha256", "calculator")


def run_md(atoms: Atoms, calculator: Calculator, settings: MDSettings, trajectory: Path | str, *,
           calculator_id: str | None = None, metadata: Mapping[str, str] | None = None,
           log_every: int | None = None, end_on_guard: bool = False, overwrite: bool = False) -> Path:
    """Run (or resume, or skip when done) the MD of ``settings`` from ``atoms`` and return ``trajectory``.

    ``calculator_id`` names the potential in the file and in the restart check (default: class and
    parameters); ``metadata`` adds provenance attributes (e.g. device, checkpoint SHA-256). Raises
    MDGuardError (a ValueError) when a guard trips, keeping the frames written so far in the partial file
    (with ``end_on_guard``: finishes ``trajectory`` with those frames instead, and raises only when there
    are none), and ValueError when existing files were made with other settings, structure or calculator
    (with ``overwrite``: an existing trajectory is replaced once the new run finishes, and an unfinished
    run of other settings is discarded).
    """
    trajectory = Path(trajectory)
    identity = run_identity(atoms, settings, calculator_id or describe_calculator(calculator))
    if overwrite:
        _discard_other(trajectory, identity)
    elif trajectory.exists():
        _require_identity(read_attributes(trajectory), identity, trajectory)
        note(f"md: {trajectory} is complete; nothing to do")
        return trajectory
    partial, checkpoint_file = partial_path(trajectory), checkpoint_path(trajectory)
    checkpoint = load_checkpoint(checkpoint_file) if checkpoint_file.exists() else None
    if checkpoint is not None:
        _require_identity(checkpoint.identity, identity, checkpoint_file)
    if partial.exists():
        _require_identity(read_attributes(partial), identity, partial)
        if checkpoint is None and count_frames(partial) > 0:
            raise ValueError(f"{partial} holds frames but {checkpoint_file} is missing; cannot resume. "
                             f"Delete {partial} to start over")
    run = _Run(atoms, calculator, settings, trajectory, identity, dict(metadata or {}), end_on_guard)
    if checkpoint is not None and partial.exists():
        run.resume(checkpoint)
        return run.loop(log_every)
    try:
        run.start()
        return run.loop(log_every)
    except MDGuardError:
        raise  # its frames and checkpoint are kept, with the reason
    except Exception:
        if run.step == 0:  # a fresh run that failed at its first evaluation leaves nothing behind
            partial.unlink(missing_ok=True)
            checkpoint_file.unlink(missing_ok=True)
        raise


def _discard_other(trajectory: Path, identity: dict[str, str]) -> None:
    """Delete the partial trajectory and checkpoint of ``trajectory`` unless they belong to ``identity``."""
    partial, checkpoint_file = partial_path(trajectory), checkpoint_path(trajectory)
    try:
        if checkpoint_file.exists():
            _require_identity(load_checkpoint(checkpoint_file).identity, identity, checkpoint_file)
        if partial.exists():
            _require_identity(read_attributes(partial), identity, partial)
    except (ValueError, OSError):
        partial.unlink(missing_ok=True)
        checkpoint_file.unlink(missing_ok=True)


def partial_path(trajectory: Path) -> Path:
    """Where the trajectory grows while the run is going: ``<stem>.partial<suffix>`` next to it."""
    trajectory = Path(trajectory)
    return trajectory.with_name(f"{trajectory.stem}.partial{trajectory.suffix}")


def run_identity(atoms: Atoms, settings: MDSettings, calculator_id: str) -> dict[str, str]:
    """What must match for a run to be resumed or skipped: settings (JSON), structure hash, calculator."""
    digest = hashlib.sha256()
    for array in (atoms.numbers.astype(np.int64), atoms.positions, atoms.cell.array, atoms.pbc, atoms.get_masses()):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(json.dumps(structure_info(atoms), sort_keys=True).encode())
    return {"md_settings": settings.model_dump_json(), "structure_sha256": digest.hexdigest(),
            "calculator": calculator_id}


def describe_calculator(calculator: Calculator) -> str:
    """``module.Class {parameters as JSON}`` of an ASE calculator."""
    kind = type(calculator)
    parameters = json.dumps(dict(getattr(calculator, "parameters", {}) or {}), sort_keys=True, default=repr)
    return f"{kind.__module__}.{kind.__qualname__} {parameters}"


def structure_info(atoms: Atoms) -> dict[str, str | int | float | bool]:
    """The scalar entries of ``atoms.info`` (e.g. charge and spin for molecular teachers)."""
    return {key: value.item() if isinstance(value, np.generic) else value for key, value in atoms.info.items()
            if isinstance(value, (str, int, float, bool, np.generic))}


class _Run:
    """One MD run: the working atoms, the integrator, counters, and the frames not yet checkpointed."""

    def __init__(self, atoms: Atoms, calculator: Calculator, settings: MDSettings, trajectory: Path,
                 identity: dict[str, str], metadata: dict[str, str], end_on_guard: bool):
        self.settings, self.identity, self.metadata = settings, identity, metadata
        self.end_on_guard = end_on_guard
        self.trajectory, self.partial = trajectory, partial_path(trajectory)
        self.checkpoint_file = checkpoint_path(trajectory)
        self.atoms = atoms.copy()
        self.atoms.calc = calculator
        velocity_seed, thermostat_seed = np.random.SeedSequence(settings.seed).spawn(2)
        self.velocity_rng = np.random.default_rng(velocity_seed)
        self.thermostat_rng = np.random.default_rng(thermostat_seed)
        with_stress = "stress" in getattr(calculator, "implemented_properties", ()) and atoms.pbc.all()
        self.variables = [name for name in FRAME_VARIABLES if name not in LABEL_ONLY_VARIABLES and (name != "stress" or with_stress)
                          and (name != "conserved_energy" or settings.thermostat != "langevin")]
        self.distance_guard = DistanceGuard(settings.min_distance_A)
        self.buffer: list[dict[str, np.ndarray]] = []
        self.step = self.n_frames = 0
        self.status = "running"
        self.failure: dict | None = None  # what stopped the run: the guard's message, quantity, step, value
        self.wall_before, self.started = 0.0, time.perf_counter()

    def start(self) -> None:
        """Fresh run: Maxwell–Boltzmann velocities, an empty trajectory, a checkpoint at step 0."""
        self.checkpoint_file.unlink(missing_ok=True)  # a stale one must not pair with the new trajectory
        maxwell_boltzmann(self.atoms, self.settings.temperature_K, self.velocity_rng)
        self.dynamics = make_dynamics(self.atoms, self.settings, self.thermostat_rng)
        attrs = provenance(command="md", **self.identity, structure_info=json.dumps(structure_info(self.atoms)),
                           **self.metadata)
        create_trajectory(self.partial, self.atoms, self.variables, attrs)
        self._checkpoint()

    def resume(self, checkpoint: Checkpoint) -> None:
        """Continue from ``checkpoint``: restore the state, make the trajectory agree with it."""
        self.atoms.set_cell(checkpoint.cell)
        self.atoms.set_positions(checkpoint.positions, apply_constraint=False)
        self.atoms.set_momenta(checkpoint.momenta, apply_constraint=False)
        self.dynamics = make_dynamics(self.atoms, self.settings, self.thermostat_rng)
        restore_dynamics_state(self.dynamics, checkpoint.thermostat)
        self.step, self.n_frames, self.status = checkpoint.step, checkpoint.n_frames, checkpoint.status
        self.wall_before = checkpoint.wall_s
        _repair(self.partial, checkpoint)
        self.failure = checkpoint.failure if checkpoint.status == "failed" else None
        if self.failure is None:
            note(f"md: resuming {self.partial} at step {self.step}/{self.settings.total_steps} "
                 f"({self.n_frames} frames)")

    def loop(self, log_every: int | None) -> Path:
        """Step to the end, checkpointing on the way; returns the finished trajectory path."""
        if self.failure is not None:  # a guard stopped this run before
            return self._stopped(guard_error(self.failure), earlier=True)
        total = self.settings.total_steps
        progress = Progress(total, self.step, label="md", every=log_every)
        try:
            if self.step == 0:
                self._observe()  # the first evaluation: a potential that cannot take the structure fails here
                note(f"md: starting {self.settings.total_steps} steps -> {self.partial}")
            while self.step < total:
                self.dynamics.step()
                self.step += 1
                progress.update(self.step, f"T {self._observe():.1f} K")
                if self.step % self.settings.checkpoint_every == 0 or self.step == total:
                    self.status = "finished" if self.step == total else "running"
                    self._checkpoint()
        except MDGuardError as error:
            self.status = "failed"
            self.failure = dict(message=str(error), quantity=error.quantity, step=error.step, value=error.value)
            self._checkpoint(failure=self.failure)
            stopped_by = error
        else:
            stopped_by = None
        finally:
            progress.close()
        if stopped_by is not None:
            return self._stopped(stopped_by)
        if self.step > progress.start_step:
            note(f"md: {self.step - progress.start_step} steps at {progress.steps_per_second(self.step):.1f} steps/s")
        return self._finish()

    def _observe(self) -> float:
        """Guard the current state, buffer it when it is a sample step; returns the temperature (K)."""
        atoms, step = self.atoms, self.step
        forces = atoms.get_forces()
        energy = atoms.get_potential_energy()
        check_energy_forces(energy, forces, step)
        temperature = atoms.get_temperature()
        check_temperature(temperature, self.settings.max_temperature_K, step)
        if step % self.settings.distance_check_every == 0:
            self.distance_guard.check(atoms, step)
        if self.settings.is_sample_step(step):
            kinetic = atoms.get_kinetic_energy()
            frame = dict(positions=atoms.get_positions(), velocities=atoms.get_velocities() * units.fs, forces=forces,
                         cell=atoms.cell.array.copy(), energy=energy, kinetic_energy=kinetic, temperature=temperature,
                         time_fs=step * self.settings.timestep_fs, step=step)
            if "stress" in self.variables:
                frame["stress"] = atoms.get_stress()
            if "conserved_energy" in self.variables:
                frame["conserved_energy"] = conserved_energy(self.dynamics, energy, kinetic)
            self.buffer.append(frame)
        return temperature

    def _checkpoint(self, failure: dict | None = None) -> None:
        """Save the state with the buffered frames, then append those frames to the trajectory."""
        pending = {name: np.stack([np.asarray(frame[name]) for frame in self.buffer]) for name in self.variables} \
            if self.buffer else {}
        n_frames = self.n_frames + len(self.buffer)
        save_checkpoint(self.checkpoint_file, Checkpoint(
            step=self.step, n_frames=n_frames, status=self.status, identity=self.identity,
            positions=self.atoms.get_positions(), momenta=self.atoms.get_momenta(), cell=self.atoms.cell.array.copy(),
            thermostat=dynamics_state(self.dynamics), pending=pending, wall_s=self._wall(), failure=failure,
        ))
        append_frames(self.partial, self.n_frames, pending)
        self.n_frames, self.buffer = n_frames, []

    def _stopped(self, error: MDGuardError, *, earlier: bool = False) -> Path:
        """After a guard tripped: raise ``error``, or with ``end_on_guard`` finish with the frames before it."""
        if not self.end_on_guard or self.n_frames == 0:
            where = f"frames so far are in {self.partial}" if self.n_frames else "no frame was sampled before it"
            again = "stopped earlier; " if earlier else ""
            raise guard_error(self.failure, f" ({again}{where}; delete {self.partial} and {self.checkpoint_file} "
                                            f"to start over)") from None
        note(f"md: {error}; ending the run with the {self.n_frames} frames sampled before it (end_on_guard)")
        set_attributes(self.partial, stopped_by_guard=str(error))
        return self._finish()

    def _finish(self) -> Path:
        set_wall_time(self.partial, self._wall())
        replace(self.partial, self.trajectory)
        note(f"md: finished, {self.n_frames} frames -> {self.trajectory}")
        return self.trajectory

    def _wall(self) -> float:
        return self.wall_before + time.perf_counter() - self.started


def guard_error(failure: Mapping, suffix: str = "") -> MDGuardError:
    """The MDGuardError of a stored ``failure`` (message, quantity, step, value), ``suffix`` added to the message."""
    return MDGuardError(failure["message"] + suffix, quantity=failure["quantity"], step=failure["step"],
                        value=failure["value"])


def _repair(partial: Path, checkpoint: Checkpoint) -> None:
    """Make ``partial`` hold exactly ``checkpoint.n_frames`` frames ending with ``checkpoint.pending``."""
    pending = checkpoint.pending
    start = checkpoint.n_frames - (len(pending["step"]) if pending else 0)
    on_disk = count_frames(partial)
    if on_disk < start:
        raise ValueError(f"{partial} holds {on_disk} frames but its checkpoint needs at least {start}; "
                         f"delete it and its checkpoint to start over")
    if on_disk > checkpoint.n_frames:
        note(f"md: dropping {on_disk - checkpoint.n_frames} frames written after the last checkpoint")
        truncate_frames(partial, checkpoint.n_frames)
        on_disk = checkpoint.n_frames
    if pending:
        written = read_frames(partial, start, on_disk)
        if on_disk < checkpoint.n_frames or any(not np.array_equal(written[k], v) for k, v in pending.items()):
            append_frames(partial, start, pending)


def _require_identity(found: Mapping[str, str], identity: dict[str, str], source: Path) -> None:
    """ValueError listing what differs between the stored ``found`` and the requested ``identity``."""
    differences = []
    for key in IDENTITY_KEYS:
        stored = found.get(key)
        if stored == identity[key]:
            continue
        if key == "md_settings" and stored is not None:
            old, new = json.loads(stored), json.loads(identity[key])
            differences += [f"{name}: stored {old.get(name)!r}, requested {new.get(name)!r}"
                            for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
        else:
            differences.append(f"{key}: stored {stored!r}, requested {identity[key]!r}")
    if differences:
        raise ValueError(f"{source} was made by a different MD run ({'; '.join(differences)}); refusing to overwrite "
                         f"it. Delete the trajectory, its .partial file and its .ckpt.npz to start over, or write "
                         f"to another path")
