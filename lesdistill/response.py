"""Electrical response along a student trajectory: BECs, the dipole current J(t) = Σ_i Z*_i v_i, statistics.

Frames are processed in chunks (one batched student evaluation and one set of BEC backward passes
per chunk), appended chunk by chunk (:mod:`lesdistill.chunked_output`), so memory does not grow
with the trajectory and a killed run resumes after the last complete chunk. Written per frame:
``current`` (e·Å/fs), the acoustic-sum-rule residual Σ_i Z*_i (e), and per element the mean BEC
tensor and the mean and spread of its isotropic part (e). ``epsilon_inf`` scales by √ε∞ (physical
BECs of LES charges).
"""

from __future__ import annotations

import json
from pathlib import Path

import netCDF4
import numpy as np
import torch

from .chunked_output import finish, partial_path, record_progress, resume
from .electrostatics import born_effective_charges
from .md.atomic import atomic_path, fsync
from .md.reader import read_trajectory
from .models.student import load_student
from .progress import Progress
from .provenance import provenance
from .teachers.checkpoints import sha256_of


def frame_response(model, positions: np.ndarray, velocities: np.ndarray, cells: np.ndarray | None,
                   numbers: np.ndarray, epsilon_inf: float) -> dict[str, np.ndarray]:
    """positions, velocities (F, N, 3) Å and Å/fs, cells (F, 3, 3) or None → BECs (F, N, 3, 3), current (F, 3)."""
    n_frames, n_atoms = positions.shape[:2]
    dtype = model.element_energies.dtype
    p = torch.tensor(positions.reshape(-1, 3), dtype=dtype, requires_grad=True)
    batch = torch.arange(n_frames).repeat_interleave(n_atoms)
    cell = None if cells is None else torch.tensor(cells, dtype=dtype)
    z = torch.tensor(numbers).repeat(n_frames)
    charges = model(p, z, cell, batch)["charges"]
    bec = born_effective_charges(p, cell, charges, epsilon_inf=epsilon_inf, batch=batch)
    bec = bec.reshape(n_frames, n_atoms, 3, 3).numpy()
    current = np.einsum("fnab,fnb->fa", bec, velocities)
    return {"bec": bec, "current": current}


def response_along_trajectory(trajectory: Path | str, student: Path | str, output: Path | str, *, stride: int = 1,
                              epsilon_inf: float = 1.0, chunk: int = 16) -> Path:
    """Write ``output`` (netCDF) with current, ASR residual and per-element BEC statistics; resumable."""
    trajectory, student, output = Path(trajectory), Path(student), Path(output)
    if output.exists():
        return output
    if stride < 1 or chunk < 1:
        raise ValueError(f"stride and chunk must be positive, got {stride} and {chunk}")
    data = read_trajectory(trajectory)
    indices = np.arange(0, data.sizes["frame"], stride)
    numbers = data.atomic_number.values
    elements = sorted(set(numbers.tolist()))
    periodic = bool(data.pbc.values.all())
    request = {"trajectory_sha256": sha256_of(trajectory), "student_sha256": sha256_of(student), "stride": stride,
               "epsilon_inf": epsilon_inf}
    partial = partial_path(output)
    done = resume(output, request)
    if done == 0:
        _create(partial, elements, provenance(command="response", trajectory=str(trajectory), student=str(student),
                                              request=json.dumps(request, sort_keys=True)))
    model = load_student(student)
    progress = Progress(len(indices), done, label="response", unit="frame")
    for start in range(done, len(indices), chunk):
        frames = indices[start:start + chunk]
        selection = data.isel(frame=frames)
        result = frame_response(model, selection.positions.values, selection.velocities.values,
                                selection.cell.values if periodic else None, numbers, epsilon_inf)
        _append(partial, start, selection.time_fs.values, result, numbers, elements)
        record_progress(output, request, start + len(frames))
        progress.update(start + len(frames))
    progress.close()
    return finish(output)


def _create(path: Path, elements: list[int], attrs: dict[str, str]) -> None:
    with atomic_path(path) as tmp, netCDF4.Dataset(tmp, "w", format="NETCDF3_64BIT_OFFSET") as nc:
        nc.setncatts(attrs)
        nc.createDimension("frame", None)
        nc.createDimension("element", len(elements))
        nc.createDimension("xyz", 3)
        nc.createDimension("xyz_", 3)
        nc.createVariable("element", "i4", ("element",))[:] = elements
        for name, dims, units in (("time_fs", ("frame",), "fs"), ("current", ("frame", "xyz"), "e*angstrom/fs"),
                                  ("asr_residual", ("frame", "xyz", "xyz_"), "e"),
                                  ("bec_mean", ("frame", "element", "xyz", "xyz_"), "e"),
                                  ("bec_iso_mean", ("frame", "element"), "e"), ("bec_iso_std", ("frame", "element"), "e")):
            nc.createVariable(name, "f8", dims).units = units


def _append(path: Path, start: int, time_fs: np.ndarray, result: dict, numbers: np.ndarray, elements: list[int]) -> None:
    bec = result["bec"]
    stop = start + len(bec)
    iso = np.trace(bec, axis1=2, axis2=3) / 3
    with netCDF4.Dataset(path, "a") as nc:
        nc["time_fs"][start:stop] = time_fs
        nc["current"][start:stop] = result["current"]
        nc["asr_residual"][start:stop] = bec.sum(axis=1)
        nc["bec_mean"][start:stop] = np.stack([bec[:, numbers == z].mean(axis=1) for z in elements], axis=1)
        nc["bec_iso_mean"][start:stop] = np.stack([iso[:, numbers == z].mean(axis=1) for z in elements], axis=1)
        nc["bec_iso_std"][start:stop] = np.stack([iso[:, numbers == z].std(axis=1) for z in elements], axis=1)
    fsync(path)
