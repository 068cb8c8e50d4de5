"""Checkpoints: the complete state needed to continue a run bit for bit, in one atomically replaced npz.

A checkpoint holds the step counter, positions (N, 3) Å, momenta (N, 3) in ASE units, the cell (3, 3) Å,
the thermostat variables (:func:`lesdistill.md.integrators.dynamics_state`), the run status, and the
frames sampled since the previous checkpoint (``pending``, a trajectory batch). It is written *before*
those frames are appended to the trajectory, so the trajectory never runs ahead of the checkpoint and a
resumed run (re)writes ``pending`` at frames ``n_frames - len(pending) … n_frames - 1``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_path

FORMAT_VERSION = 1


@dataclass
class Checkpoint:
    """State after ``step`` MD steps; ``n_frames`` counts the trajectory frames including ``pending``."""

    step: int
    n_frames: int
    status: str  # "running", "finished" or "failed"
    identity: dict[str, str]
    positions: np.ndarray
    momenta: np.ndarray
    cell: np.ndarray
    thermostat: dict[str, np.ndarray]
    pending: dict[str, np.ndarray]
    wall_s: float
    failure: dict | None = field(default=None)  # the guard's message, quantity, step and value


def checkpoint_path(trajectory: Path) -> Path:
    """``<trajectory>.ckpt.npz``."""
    trajectory = Path(trajectory)
    return trajectory.with_name(trajectory.name + ".ckpt.npz")


def save_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically (temporary file, fsync, os.replace)."""
    meta = dict(format_version=FORMAT_VERSION, step=checkpoint.step, n_frames=checkpoint.n_frames,
                status=checkpoint.status, identity=checkpoint.identity, wall_s=checkpoint.wall_s,
                failure=checkpoint.failure)
    arrays = {"meta": np.asarray(json.dumps(meta)), "positions": checkpoint.positions,
              "momenta": checkpoint.momenta, "cell": checkpoint.cell}
    arrays.update({f"thermostat.{key}": value for key, value in checkpoint.thermostat.items()})
    arrays.update({f"pending.{key}": value for key, value in checkpoint.pending.items()})
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)


def load_checkpoint(path: Path) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint`; ValueError if it is unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        meta = json.loads(str(arrays.pop("meta")))
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(f"cannot read checkpoint {path}: {error}; delete it and the trajectory to start over") \
            from error
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"checkpoint {path} has format {meta.get('format_version')}, expected {FORMAT_VERSION}")
    return Checkpoint(
        step=meta["step"], n_frames=meta["n_frames"], status=meta["status"], identity=meta["identity"],
        positions=arrays["positions"], momenta=arrays["momenta"], cell=arrays["cell"],
        thermostat={key.split(".", 1)[1]: value for key, value in arrays.items() if key.startswith("thermostat.")},
        pending={key.split(".", 1)[1]: value for key, value in arrays.items() if key.startswith("pending.")},
        wall_s=meta["wall_s"], failure=meta["failure"],
    )
