"""Read MD trajectories in lesdistill names and units; convert frames to ASE Atoms and extxyz."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import ase.io
import numpy as np
import xarray as xr
from ase import Atoms, units
from ase.calculators.singlepoint import SinglePointCalculator
from ase.data import chemical_symbols
from ase.stress import voigt_6_to_full_3x3_stress

from ..io.atomic import atomic_path
from .trajectory import FRAME_VARIABLES

UNITS = {"positions": "Å", "velocities": "Å/fs", "forces": "eV/Å", "cell": "Å", "energy": "eV",
         "kinetic_energy": "eV", "temperature": "K", "conserved_energy": "eV", "stress": "eV/Å³", "time_fs": "fs",
         "step": "1", "teacher_charges": "e"}
# AMBER labels and cell parameters are dropped; the rest is re-expressed below
REPLACED = ("spatial", "cell_spatial", "cell_angular", "cell_lengths", "cell_angles", "atom_types", "masses", "pbc",
            "cell", "stress", "wall_time_s")


def read_trajectory(path: Path | str) -> xr.Dataset:
    """The trajectory as a Dataset with dims (frame, atom, xyz, xyz_).

    Variables: positions, velocities (Å/fs), forces (eV/Å), cell (frame, xyz, xyz_) with lattice vectors
    as rows, energy (potential), kinetic_energy (eV), temperature (K), time_fs, step, and where present
    conserved_energy (eV) and stress (frame, xyz, xyz_) eV/Å³; coordinates symbol, atomic_number and
    mass (Da) per atom; ``pbc`` (xyz); the file's attributes plus ``wall_time_s`` (0 until the run is
    finished). Per-atom arrays are loaded lazily. A file in the ragged layout (:mod:`.trajectory`) keeps
    it: per-atom variables on ``atom`` alone (all frames' atoms in order) and ``n_atoms`` (frame).
    """
    raw = xr.open_dataset(path, mask_and_scale=False, decode_times=False, decode_timedelta=False,
                          concat_characters=False)
    data = raw.drop_vars(REPLACED, errors="ignore")
    renames = {disk: name for name, (disk, *_rest) in FRAME_VARIABLES.items() if disk in data.variables}
    data = data.rename(renames).rename_dims(spatial="xyz")
    data["cell"] = (("frame", "xyz", "xyz_"), raw["cell"].values)
    if "stress" in raw:
        data["stress"] = (("frame", "xyz", "xyz_"), voigt_6_to_full_3x3_stress(raw["stress"].values))
    numbers = raw["atom_types"].values
    data = data.assign_coords(symbol=("atom", [chemical_symbols[z] for z in numbers]), atomic_number=("atom", numbers),
                              mass=("atom", raw["masses"].values))
    data["pbc"] = ("xyz", raw["pbc"].values.astype(bool))
    for name, variable in data.data_vars.items():
        variable.attrs = {"units": UNITS[name]} if name in UNITS else {}
    data["mass"].attrs["units"] = "Da"
    data.attrs["wall_time_s"] = float(raw["wall_time_s"])
    return data


def to_atoms(trajectory: xr.Dataset | Path | str, frames: Sequence[int] | slice | None = None) -> list[Atoms]:
    """ASE Atoms for ``frames`` (default all) with velocities where stored, info (step, the structure's info
    and where stored time_fs, temperature_K, split) and a SinglePointCalculator holding energy, forces and,
    if stored, stress and the teacher's charges."""
    data = trajectory if isinstance(trajectory, xr.Dataset) else read_trajectory(trajectory)
    info = json.loads(data.attrs.get("structure_info", "{}"))
    frame_ids = np.arange(data.sizes["frame"])[frames if frames is not None else slice(None)]
    if "n_atoms" in data:  # ragged: frame f holds atoms first[f]:first[f + 1]
        data = data.load()
        first = np.concatenate([[0], np.cumsum(data.n_atoms.values)])
        frame_data = (data.isel(frame=f, atom=slice(first[f], first[f + 1])) for f in frame_ids)
    else:
        selection = data.isel(frame=frame_ids).load()
        frame_data = (selection.isel(frame=k) for k in range(len(frame_ids)))
    result = []
    for frame in frame_data:
        atoms = Atoms(numbers=frame.atomic_number.values, positions=frame.positions.values, cell=frame.cell.values,
                      pbc=frame.pbc.values, masses=frame.mass.values)
        if "velocities" in frame:
            atoms.set_velocities(frame.velocities.values / units.fs)
        atoms.info.update(info, step=int(frame.step))
        for key, name in (("time_fs", "time_fs"), ("temperature_K", "temperature"), ("split", "split")):
            if name in frame:
                atoms.info[key] = frame[name].item()
        results = dict(energy=float(frame.energy), forces=frame.forces.values)
        if "stress" in frame:
            results["stress"] = frame.stress.values
        if "teacher_charges" in frame:
            results["charges"] = frame.teacher_charges.values
        atoms.calc = SinglePointCalculator(atoms, **results)
        result.append(atoms)
    return result


def write_extxyz(trajectory: xr.Dataset | Path | str, output: Path | str,
                 frames: Sequence[int] | slice | None = None) -> Path:
    """Export ``frames`` (default all) to extxyz with energy, forces, stress and momenta; returns ``output``."""
    output = Path(output)
    with atomic_path(output) as tmp:
        ase.io.write(tmp, to_atoms(trajectory, frames), format="extxyz")
    return output
