"""Trajectory file writer: netCDF classic (64-bit offset) following the AMBER 1.0 trajectory convention.

Layout: dims ``frame`` (unlimited), ``atom``, ``spatial`` (x y z), ``cell_spatial`` (a b c), ``cell_angular``,
``label``, ``voigt`` (6). AMBER variables: ``coordinates`` (Å), ``velocities``, ``forces``, ``time``, and for
periodic systems ``cell_lengths`` (Å) and ``cell_angles`` (degree), so AMBER readers (MDAnalysis, cpptraj,
ASE) find them. Every value is stored in lesdistill units (Å, Å/fs, eV/Å, fs, eV); where AMBER expects other
units the variable carries AMBER's ``scale_factor`` to them (velocities ×1000 → Å/ps, forces → kcal/mol/Å,
time ×0.001 → ps). Read it with :func:`lesdistill.md.reader.read_trajectory`, not with CF decoding.

Frames are appended by opening, writing and closing the file, so other processes can read the frames
written so far at any time (classic netCDF, no HDF5 locking). Batches in memory are dicts of arrays with a
leading frame axis keyed by the names in ``FRAME_VARIABLES``.

Ragged layout (labelled sets whose frames differ in size or composition, e.g. a user's DFT set): ``atom``
counts the atoms of all frames one after another, per-atom variables (coordinates, forces, atom_types,
masses, teacher_charges) have dims (atom, …) without ``frame``, and ``n_atoms`` (frame) says how many atoms
each frame holds, in order: CF's contiguous ragged array (``n_atoms:sample_dimension = "atom"``). It is not
an AMBER trajectory (``Conventions`` says so); MD never writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import netCDF4
import numpy as np
from ase import Atoms, units
from ase.geometry import cell_to_cellpar

from ..io.atomic import atomic_path, fsync

FORMAT = "NETCDF3_64BIT_OFFSET"
EV_A_TO_KCAL_MOL_A = 1.0 / (units.kcal / units.mol)

# name in memory -> (name on disk, dims after ``frame``, units, AMBER scale_factor or None, dtype)
FRAME_VARIABLES: dict[str, tuple[str, tuple[str, ...], str, float | None, str]] = {
    "positions": ("coordinates", ("atom", "spatial"), "angstrom", None, "f8"),
    "velocities": ("velocities", ("atom", "spatial"), "angstrom/picosecond", 1000.0, "f8"),
    "forces": ("forces", ("atom", "spatial"), "kilocalorie/mole/angstrom", EV_A_TO_KCAL_MOL_A, "f8"),
    "cell": ("cell", ("cell_spatial", "spatial"), "angstrom", None, "f8"),
    "energy": ("energy", (), "eV", None, "f8"),
    "kinetic_energy": ("kinetic_energy", (), "eV", None, "f8"),
    "temperature": ("temperature", (), "kelvin", None, "f8"),
    "conserved_energy": ("conserved_energy", (), "eV", None, "f8"),
    "stress": ("stress", ("voigt",), "eV/angstrom^3", None, "f8"),
    "teacher_charges": ("teacher_charges", ("atom",), "e", None, "f8"),
    "time_fs": ("time", (), "picosecond", 0.001, "f8"),
    "step": ("step", (), "1", None, "i4"),
}
#: Variables that labelling writes and MD does not.
LABEL_ONLY_VARIABLES = ("teacher_charges",)
DESCRIPTIONS = {
    "coordinates": "positions, unwrapped",
    "velocities": "stored in Å/fs; scale_factor converts to AMBER's Å/ps",
    "forces": "stored in eV/Å; scale_factor converts to AMBER's kcal/mol/Å",
    "cell": "lattice vectors as rows",
    "energy": "potential energy",
    "conserved_energy": "the integrator's conserved quantity",
    "stress": "virial stress (no kinetic term), Voigt order xx yy zz yz xz xy",
    "time": "stored in fs; scale_factor converts to AMBER's ps",
    "step": "MD step counted from the start of equilibration",
    "teacher_charges": "partial charges reported by the teacher (xTB Mulliken, SO3LR, SPC/Fw point charges)",
}


def create_trajectory(path: Path, atoms: Atoms | Sequence[Atoms], variables: list[str], attrs: dict[str, str]) -> None:
    """Write an empty trajectory holding ``variables`` (keys of FRAME_VARIABLES), atomically: for ``atoms``
    (one structure: every frame holds its atoms), or in the ragged layout for a sequence of frames (each
    with its own atoms, in the order they will be appended)."""
    path = Path(path)
    ragged = not isinstance(atoms, Atoms)
    template = atoms[0] if ragged else atoms
    numbers = np.concatenate([frame.numbers for frame in atoms]) if ragged else atoms.numbers
    masses = np.concatenate([frame.get_masses() for frame in atoms]) if ragged else atoms.get_masses()
    conventions = ({"Conventions": "CF-1.8", "layout": "ragged"} if ragged
                   else {"Conventions": "AMBER", "ConventionVersion": "1.0"})
    with atomic_path(path) as tmp:
        with netCDF4.Dataset(tmp, "w", format=FORMAT) as nc:
            nc.setncatts({"title": "lesdistill MD trajectory", "application": "lesdistill",
                          "program": "lesdistill.md", **conventions, **attrs})
            for name, size in (("frame", None), ("atom", len(numbers)), ("spatial", 3), ("cell_spatial", 3),
                               ("cell_angular", 3), ("label", 5), ("voigt", 6)):
                nc.createDimension(name, size)
            _char_variable(nc, "spatial", ("spatial",), ["x", "y", "z"])
            _char_variable(nc, "cell_spatial", ("cell_spatial",), ["a", "b", "c"])
            _char_variable(nc, "cell_angular", ("cell_angular", "label"), [list("alpha"), list("beta "), list("gamma")])
            atom_types = nc.createVariable("atom_types", "i4", ("atom",))
            atom_types[:] = numbers
            atom_types.long_name = "atomic numbers"
            mass = nc.createVariable("masses", "f8", ("atom",))
            mass[:] = masses
            mass.units = "dalton"
            pbc = nc.createVariable("pbc", "i4", ("spatial",))
            pbc[:] = template.pbc.astype(np.int32)
            if ragged:
                count = nc.createVariable("n_atoms", "i4", ("frame",))
                count.sample_dimension = "atom"
                count.long_name = "atoms of each frame, stored one frame after another along atom"
            wall_time = nc.createVariable("wall_time_s", "f8", ())
            wall_time.units = "s"
            wall_time.long_name = "wall time of the finished run, restarts included"
            wall_time.assignValue(0.0)
            for name in variables:
                disk, dims, unit, scale, dtype = FRAME_VARIABLES[name]
                frame_dims = dims if ragged and "atom" in dims else ("frame", *dims)
                variable = nc.createVariable(disk, dtype, frame_dims)
                variable.set_auto_maskandscale(False)
                variable.units = unit
                if scale is not None:
                    variable.scale_factor = scale
                if disk in DESCRIPTIONS:
                    variable.long_name = DESCRIPTIONS[disk]
            if template.pbc.any():  # AMBER readers take these as the periodic box
                for name, dim, unit in (("cell_lengths", "cell_spatial", "angstrom"),
                                        ("cell_angles", "cell_angular", "degree")):
                    nc.createVariable(name, "f8", ("frame", dim)).units = unit


def append_frames(path: Path, start: int, batch: dict[str, Sequence[np.ndarray]]) -> None:
    """Write ``batch`` as frames ``start, start+1, …`` (overwriting any already there), close and fsync.
    In the ragged layout a per-atom entry is one array per frame, each as long as that frame."""
    if not batch:
        return
    stop = start + len(batch["step"])
    with netCDF4.Dataset(path, "a") as nc:
        nc.set_auto_maskandscale(False)
        ragged = "n_atoms" in nc.variables
        if ragged:
            counts = [len(forces) for forces in batch["forces"]]
            first = int(np.sum(nc["n_atoms"][:start])) if start else 0
            atoms = slice(first, first + sum(counts))
            nc["n_atoms"][start:stop] = counts
        for name, values in batch.items():
            disk, dims = FRAME_VARIABLES[name][:2]
            if ragged and "atom" in dims:
                nc[disk][atoms] = np.concatenate(list(values))
            else:
                nc[disk][start:stop] = np.asarray(values)
        if "cell_lengths" in nc.variables:
            cellpar = np.array([cell_to_cellpar(cell) for cell in batch["cell"]])
            nc["cell_lengths"][start:stop] = cellpar[:, :3]
            nc["cell_angles"][start:stop] = cellpar[:, 3:]
    fsync(path)


def read_frames(path: Path, start: int, stop: int) -> dict[str, np.ndarray]:
    """Frames ``start:stop`` as a batch in lesdistill units (raw stored values)."""
    with netCDF4.Dataset(path, "r") as nc:
        nc.set_auto_maskandscale(False)
        return {name: np.asarray(nc[disk][start:stop]) for name, (disk, *_rest) in FRAME_VARIABLES.items()
                if disk in nc.variables}


def count_frames(path: Path) -> int:
    """Number of frames in the trajectory."""
    with netCDF4.Dataset(path, "r") as nc:
        return len(nc.dimensions["frame"])


def read_attributes(path: Path) -> dict[str, str]:
    """The global attributes."""
    with netCDF4.Dataset(path, "r") as nc:
        return {name: nc.getncattr(name) for name in nc.ncattrs()}


def set_wall_time(path: Path, seconds: float) -> None:
    """Record the run's wall time (s) in the scalar variable ``wall_time_s`` (data, so the header never changes)."""
    with netCDF4.Dataset(path, "a") as nc:
        nc["wall_time_s"].assignValue(seconds)
    fsync(path)


def set_attributes(path: Path, **attributes: str) -> None:
    """Add or replace global attributes of a finished trajectory (rewrites the header: not while others read)."""
    with netCDF4.Dataset(path, "a") as nc:
        nc.setncatts(attributes)
    fsync(path)


def truncate_frames(path: Path, n_frames: int, chunk: int = 1024) -> None:
    """Keep only the first ``n_frames`` frames: copy them to a new file and replace ``path`` atomically."""
    path = Path(path)
    with atomic_path(path) as tmp, netCDF4.Dataset(path, "r") as src:
        src.set_auto_maskandscale(False)
        with netCDF4.Dataset(tmp, "w", format=FORMAT) as dst:
            dst.setncatts({name: src.getncattr(name) for name in src.ncattrs()})
            for name, dimension in src.dimensions.items():
                dst.createDimension(name, None if dimension.isunlimited() else len(dimension))
            for name, variable in src.variables.items():
                copy = dst.createVariable(name, variable.dtype, variable.dimensions)
                copy.set_auto_maskandscale(False)
                copy.setncatts({key: variable.getncattr(key) for key in variable.ncattrs()})
                if "frame" not in variable.dimensions:
                    copy[:] = variable[:]
                    continue
                for begin in range(0, n_frames, chunk):
                    end = min(begin + chunk, n_frames)
                    copy[begin:end] = variable[begin:end]


def _char_variable(nc: netCDF4.Dataset, name: str, dims: tuple[str, ...], values: list) -> None:
    nc.createVariable(name, "S1", dims)[:] = np.array(values, dtype="S1")
