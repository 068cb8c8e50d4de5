"""Electrical response along a student trajectory: the dipole current J(t) = Σ_i Z*_i v_i, its group
decomposition, and BEC statistics.

The current of every frame comes from the charge-flux products of
:func:`lesdistill.electrostatics.current_contributions` (no (N, 3, 3) tensors), batched over the
frames of a chunk; per-atom contributions summed over groups give the currents of a decomposition
(``hcl``: hydronium core, its first shell, bulk water, chloride; ``water-layers``: slab, water layers
by distance from the surface, bulk). Full BEC tensors are computed on every ``bec_stride``-th frame
for statistics: the acoustic-sum-rule residual Σ_i Z*_i (e) and per element the mean tensor and the
mean and spread of its isotropic part (e) and a histogram of the per-atom isotropic BECs
(``bec_iso_histogram``, atoms per bin of :data:`BEC_BINS`); they are NaN on the frames in between. With
``water-layers`` the water density profile (g/cm³ against distance from the nearest surface, Å) is
recorded on the same frames. ``epsilon_inf`` scales by √ε∞ (physical BECs of LES charges).

Frames are appended chunk by chunk (:mod:`lesdistill.chunked_output`): memory does not grow with the
trajectory and a killed run resumes after the last complete chunk. The student runs on ``device``;
each chunk is evaluated in one batch there, halved (and kept halved) after an out-of-memory error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import netCDF4
import numpy as np
import torch

from .chunked_output import finish, partial_path, record_progress, resume
from .device import ChunkedEvaluation, resolve_device
from .decomposition import (DECOMPOSITIONS, HCL_COMPLEX_GROUPS, HCL_GROUPS, SLAB_CHOICES, SURFACES, WATER_LAYER_CUTS,
                            hcl_complex_groups, hcl_groups, slab_atoms, water_density_profile, water_layer_groups)
from .electrostatics import born_effective_charges, current_contributions
from .io.atomic import atomic_path, fsync
from .md.reader import read_trajectory
from .models.student import load_student
from .progress import Progress
from .provenance import provenance
from .io.hashing import sha256_of

BEC_BINS = np.linspace(-8.0, 8.0, 321)  # e, edges of the isotropic-BEC histogram (Ti in TiO2 ≈ +6.5)
DENSITY_BIN_A = 0.1
DENSITY_MAX_A = 20.0


@dataclass(frozen=True)
class Decomposition:
    """Per-frame atom labels: ``assign(positions (N, 3), cell (3, 3) | None, numbers (N,)) → (N,) int``;
    ``profile`` (water-layers): the water density profile of one frame, ``(positions, cell, numbers) →
    (distance (B,) Å, density (B,) g/cm³)``, with the same surface planes and slab atoms."""

    names: tuple[str, ...]
    assign: Callable[[np.ndarray, np.ndarray | None, np.ndarray], np.ndarray]
    profile: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None

    @property
    def density_profile(self) -> bool:
        return self.profile is not None


def decomposition(name: str, layer_cuts: tuple[float, ...] = WATER_LAYER_CUTS, surface: str = "outermost",
                  slab_mask: np.ndarray | None = None) -> Decomposition:
    """The decomposition called ``name`` (one of :data:`DECOMPOSITIONS`); for water-layers, the surface
    planes (:data:`lesdistill.decomposition.SURFACES`) and a fixed slab mask (None: found per frame)."""
    if name == "hcl":
        return Decomposition(HCL_GROUPS, hcl_groups)
    if name == "hcl-complex":
        return Decomposition(HCL_COMPLEX_GROUPS, hcl_complex_groups)
    if name == "water-layers":
        names = ("slab", *(f"layer_{k + 1}" for k in range(len(layer_cuts))), "bulk")
        return Decomposition(
            names, lambda p, c, z: water_layer_groups(p, c, z, cuts=layer_cuts, slab_mask=slab_mask, surface=surface)[0],
            lambda p, c, z: water_density_profile(p, c, z, bin_width=DENSITY_BIN_A, slab_mask=slab_mask,
                                                  surface=surface))
    raise ValueError(f"unknown decomposition {name!r}; known: {', '.join(DECOMPOSITIONS)}")


def _flat_inputs(model, positions: np.ndarray, cells: np.ndarray | None, numbers: np.ndarray):
    n_frames, n_atoms = positions.shape[:2]
    dtype, device = model.element_energies.dtype, model.element_energies.device
    p = torch.tensor(positions.reshape(-1, 3), dtype=dtype, device=device, requires_grad=True)
    batch = torch.arange(n_frames, device=device).repeat_interleave(n_atoms)
    cell = None if cells is None else torch.tensor(cells, dtype=dtype, device=device)
    charges = model.latent_charges(p, torch.tensor(numbers, device=device).repeat(n_frames), cell, batch)
    return p, cell, charges, batch


def frame_currents(model, positions: np.ndarray, velocities: np.ndarray, cells: np.ndarray | None,
                   numbers: np.ndarray, epsilon_inf: float) -> np.ndarray:
    """positions, velocities (F, N, 3) Å and Å/fs, cells (F, 3, 3) or None → per-atom Z*_i v_i (F, N, 3) e·Å/fs."""
    p, cell, charges, batch = _flat_inputs(model, positions, cells, numbers)
    v = torch.tensor(velocities.reshape(-1, 3), dtype=p.dtype, device=p.device)
    contributions = current_contributions(p, cell, charges, v, epsilon_inf=epsilon_inf, batch=batch)
    return contributions.reshape(positions.shape).cpu().numpy()


def frame_becs(model, positions: np.ndarray, cells: np.ndarray | None, numbers: np.ndarray,
               epsilon_inf: float) -> np.ndarray:
    """positions (F, N, 3) Å, cells (F, 3, 3) or None → BECs (F, N, 3, 3) e, one set of backward passes."""
    p, cell, charges, batch = _flat_inputs(model, positions, cells, numbers)
    bec = born_effective_charges(p, cell, charges, epsilon_inf=epsilon_inf, batch=batch)
    return bec.reshape(*positions.shape, 3).cpu().numpy()


def response_along_trajectory(trajectory: Path | str, student: Path | str, output: Path | str, *, stride: int = 1,
                              bec_stride: int = 10, epsilon_inf: float = 1.0, chunk: int = 16,
                              groups: str | None = None, layer_cuts: tuple[float, ...] = WATER_LAYER_CUTS,
                              surface: str = SURFACES[0], slab: str = SLAB_CHOICES[0],
                              device: str = "auto", overwrite: bool = False) -> Path:
    """Write ``output`` (netCDF): current (and group currents) on every ``stride``-th frame, BEC
    statistics on every ``bec_stride``-th of those; resumable, also on another device (``overwrite``
    discards unfinished work of other settings instead of refusing). With ``groups="water-layers"``:
    ``surface`` planes ("mean-layer": mean height of the outermost slab layer, or "outermost") and
    ``slab`` atoms ("first-frame": found on the first frame and kept, or "per-frame"); the defaults
    are the paper's."""
    trajectory, student, output = Path(trajectory), Path(student), Path(output)
    if stride < 1 or chunk < 1 or bec_stride < 1:
        raise ValueError(f"stride, bec_stride and chunk must be positive, got {stride}, {bec_stride} and {chunk}")
    if not epsilon_inf > 0:
        raise ValueError(f"epsilon_inf must be positive, got {epsilon_inf}")
    if slab not in SLAB_CHOICES:
        raise ValueError(f"slab must be one of {', '.join(SLAB_CHOICES)}, got {slab!r}")
    data = read_trajectory(trajectory)
    if "velocities" not in data:
        raise ValueError(f"{trajectory} holds no velocities; the current J = Σ Z*·v needs them")
    indices = np.arange(0, data.sizes["frame"], stride)
    numbers = data.atomic_number.values
    elements = sorted(set(numbers.tolist()))
    periodic = bool(data.pbc.values.all())
    layers = groups == "water-layers"
    fixed = slab_atoms(data.positions.values[0], data.cell.values[0], numbers) if layers and slab == "first-frame" else None
    split = decomposition(groups, tuple(layer_cuts), surface, fixed) if groups else None
    request = {"trajectory_sha256": sha256_of(trajectory), "student_sha256": sha256_of(student), "stride": stride,
               "bec_stride": bec_stride, "epsilon_inf": epsilon_inf, "groups": groups,
               "layer_cuts": list(layer_cuts) if layers else None}
    if layers:
        request.update(surface=surface, slab=slab)
    torch_device = resolve_device(device)
    partial = partial_path(output)
    model = load_student(student, device=torch_device)
    done = resume(output, request, discard_other=overwrite)
    if done == 0:
        _create(partial, elements, split, provenance(command="response", trajectory=str(trajectory),
                                                     student=str(student), request=json.dumps(request, sort_keys=True),
                                                     device=str(torch_device)))
    evaluation = ChunkedEvaluation(chunk, torch_device, "response")
    progress = Progress(len(indices), done, label="response", unit="frame")
    for start in range(done, len(indices), chunk):
        rows = np.arange(start, min(start + chunk, len(indices)))
        selection = data.isel(frame=indices[rows])
        positions, cells = selection.positions.values, selection.cell.values if periodic else None
        velocities = selection.velocities.values
        contributions = np.concatenate(evaluation.map(
            lambda a, b: frame_currents(model, positions[a:b], velocities[a:b], _rows(cells, a, b), numbers,
                                        epsilon_inf), len(rows)))
        with_bec = rows % bec_stride == 0
        bec_positions, bec_cells = positions[with_bec], None if cells is None else cells[with_bec]
        bec = (np.concatenate(evaluation.map(
            lambda a, b: frame_becs(model, bec_positions[a:b], _rows(bec_cells, a, b), numbers, epsilon_inf),
            len(bec_positions))) if with_bec.any() else np.zeros((0, len(numbers), 3, 3)))
        _append(partial, start, selection.time_fs.values, contributions, with_bec, bec, numbers, elements, split,
                positions, cells)
        record_progress(output, request, int(rows[-1]) + 1)
        progress.update(int(rows[-1]) + 1)
    progress.close()
    return finish(output)


def _rows(array: np.ndarray | None, start: int, stop: int) -> np.ndarray | None:
    return None if array is None else array[start:stop]


def _create(path: Path, elements: list[int], split: Decomposition | None, attrs: dict[str, str]) -> None:
    with atomic_path(path) as tmp, netCDF4.Dataset(tmp, "w", format="NETCDF3_64BIT_OFFSET") as nc:
        nc.setncatts(attrs)
        nc.createDimension("frame", None)
        nc.createDimension("element", len(elements))
        nc.createDimension("xyz", 3)
        nc.createDimension("xyz_", 3)
        nc.createVariable("element", "i4", ("element",))[:] = elements
        nc.createDimension("bec_bin", len(BEC_BINS) - 1)
        nc.createVariable("bec_bin", "f8", ("bec_bin",))[:] = 0.5 * (BEC_BINS[1:] + BEC_BINS[:-1])
        nc["bec_bin"].units = "e"
        nc.createVariable("bec_iso_histogram", "f8", ("frame", "element", "bec_bin")).units = "atoms"
        for name, dims, units in (("time_fs", ("frame",), "fs"), ("current", ("frame", "xyz"), "e*angstrom/fs"),
                                  ("asr_residual", ("frame", "xyz", "xyz_"), "e"),
                                  ("bec_mean", ("frame", "element", "xyz", "xyz_"), "e"),
                                  ("bec_iso_mean", ("frame", "element"), "e"), ("bec_iso_std", ("frame", "element"), "e")):
            nc.createVariable(name, "f8", dims).units = units
        if split is None:
            return
        nc.createDimension("group", len(split.names))
        variable = nc.createVariable("group_current", "f8", ("frame", "group", "xyz"))
        variable.units, variable.group_names = "e*angstrom/fs", json.dumps(list(split.names))
        nc.createVariable("group_size", "i4", ("frame", "group")).long_name = "atoms per group"
        if split.density_profile:
            nc.createDimension("distance", int(round(DENSITY_MAX_A / DENSITY_BIN_A)))
            nc.createVariable("distance", "f8", ("distance",))[:] = (np.arange(nc.dimensions["distance"].size) + 0.5) * DENSITY_BIN_A
            nc["distance"].units = "angstrom"
            nc.createVariable("water_density", "f8", ("frame", "distance")).units = "g/cm^3"


def _append(path: Path, start: int, time_fs: np.ndarray, contributions: np.ndarray, with_bec: np.ndarray,
            bec: np.ndarray, numbers: np.ndarray, elements: list[int], split: Decomposition | None,
            positions: np.ndarray, cells: np.ndarray | None) -> None:
    n = len(contributions)
    stop = start + n
    stats = {"asr_residual": np.full((n, 3, 3), np.nan), "bec_mean": np.full((n, len(elements), 3, 3), np.nan),
             "bec_iso_mean": np.full((n, len(elements)), np.nan), "bec_iso_std": np.full((n, len(elements)), np.nan),
             "bec_iso_histogram": np.full((n, len(elements), len(BEC_BINS) - 1), np.nan)}
    if len(bec):
        iso = np.trace(bec, axis1=2, axis2=3) / 3
        stats["asr_residual"][with_bec] = bec.sum(axis=1)
        stats["bec_mean"][with_bec] = np.stack([bec[:, numbers == z].mean(axis=1) for z in elements], axis=1)
        stats["bec_iso_mean"][with_bec] = np.stack([iso[:, numbers == z].mean(axis=1) for z in elements], axis=1)
        stats["bec_iso_std"][with_bec] = np.stack([iso[:, numbers == z].std(axis=1) for z in elements], axis=1)
        stats["bec_iso_histogram"][with_bec] = np.stack(
            [[np.histogram(row[numbers == z], BEC_BINS)[0] for z in elements] for row in iso])
    with netCDF4.Dataset(path, "a") as nc:
        nc["time_fs"][start:stop] = time_fs
        nc["current"][start:stop] = contributions.sum(axis=1)
        for name, value in stats.items():
            nc[name][start:stop] = value
        if split is not None:
            labels = np.stack([split.assign(positions[f], None if cells is None else cells[f], numbers)
                               for f in range(n)])
            one_hot = labels[:, :, None] == np.arange(len(split.names))[None, None, :]  # (F, N, G)
            nc["group_current"][start:stop] = np.einsum("fng,fna->fga", one_hot, contributions)
            nc["group_size"][start:stop] = one_hot.sum(axis=1)
            if split.density_profile:
                density = np.full((n, nc.dimensions["distance"].size), np.nan)
                for f in np.flatnonzero(with_bec):
                    distance, profile = split.profile(positions[f], cells[f], numbers)
                    count = min(len(profile), density.shape[1])
                    density[f] = 0.0
                    density[f, :count] = profile[:count]
                nc["water_density"][start:stop] = density
    fsync(path)
