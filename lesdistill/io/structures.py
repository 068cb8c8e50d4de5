"""Reading structure files (extxyz or any ASE format) with the checks every command needs, once.

Every problem is a ValueError naming the file and, for a multi-frame file, the frame: a missing,
empty or truncated file, an unknown element symbol, non-finite positions or cell, a singular cell
of a periodic structure, and atoms closer than :data:`MIN_DISTANCE_A`.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import ase.io
import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

#: Atoms closer than this (Å) are overlapping: no physical structure has them.
MIN_DISTANCE_A = 0.1
#: |det(cell)| (Å³) below which a periodic cell is singular.
SINGULAR_CELL_VOLUME = 1e-6


def read_structures(path: Path | str, index: int | None = None) -> list[Atoms]:
    """All frames of ``path`` (or only frame ``index``, negative from the end), each checked."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"structure file {path} does not exist" if not path.exists() else f"{path} is not a file")
    if path.stat().st_size == 0:
        raise ValueError(f"structure file {path} is empty")
    frames = _read(path)
    if not frames:
        raise ValueError(f"{path} holds no structures")
    if index is not None:
        if not -len(frames) <= index < len(frames):
            raise ValueError(f"--index {index} is out of range: {path} holds {len(frames)} frame(s)")
        frames = [frames[index]]
    for number, atoms in enumerate(frames):
        check_structure(atoms, f"{path}" + (f" frame {number}" if len(frames) > 1 else ""))
    return frames


def _read(path: Path) -> list[Atoms]:
    try:
        return ase.io.read(path, index=":")
    except KeyError as error:  # ASE's reaction to an unknown element symbol
        raise ValueError(f"cannot read structures from {path}: unknown element symbol {error}") from None
    except StopIteration:
        raise ValueError(f"cannot read structures from {path}: the file holds no complete structure") from None
    except Exception as error:  # ASE raises many types for truncated or foreign files
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"cannot read structures from {path}: {text}") from None


def check_structure(atoms: Atoms, where: str) -> Atoms:
    """ValueError naming ``where`` for no atoms, non-finite values, a singular periodic cell or overlapping atoms."""
    if len(atoms) == 0:
        raise ValueError(f"{where} holds no atoms")
    if not np.isfinite(atoms.positions).all():
        raise ValueError(f"{where} has NaN or infinite positions")
    cell = atoms.cell.array
    if not np.isfinite(cell).all():
        raise ValueError(f"{where} has a NaN or infinite cell")
    if atoms.pbc.any() and abs(np.linalg.det(cell)) < SINGULAR_CELL_VOLUME:
        raise ValueError(f"{where} is periodic (pbc={atoms.pbc.tolist()}) but its cell is zero or singular "
                         f"(volume {abs(np.linalg.det(cell)):.3g} Å³)")
    pair = closest_pair_within(atoms, MIN_DISTANCE_A)
    if pair is not None:
        first, second, distance = pair
        raise ValueError(f"{where}: atoms {first} and {second} are {distance:.3g} Å apart, closer than "
                         f"{MIN_DISTANCE_A} Å (overlapping atoms)")
    return atoms


def closest_pair_within(atoms: Atoms, cutoff: float) -> tuple[int, int, float] | None:
    """(i, j, distance Å) of the closest pair of atoms nearer than ``cutoff`` (periodic images
    included), or None. A k-d tree over the wrapped positions and their 26 neighbouring images: its
    cost does not grow with the cell size."""
    n = len(atoms)
    positions = atoms.get_positions(wrap=bool(atoms.pbc.any()))
    shifts = np.array(list(itertools.product(*[(-1, 0, 1) if periodic else (0,) for periodic in atoms.pbc])))
    images = (positions[None] + (shifts @ atoms.cell.array)[:, None]).reshape(-1, 3)
    pairs = cKDTree(images).query_pairs(cutoff, output_type="ndarray")
    first, second = pairs[:, 0] % n, pairs[:, 1] % n
    keep = first != second
    if not keep.any():
        return None
    first, second, pairs = first[keep], second[keep], pairs[keep]
    distance = np.linalg.norm(images[pairs[:, 0]] - images[pairs[:, 1]], axis=1)
    k = int(np.argmin(distance))
    return int(min(first[k], second[k])), int(max(first[k], second[k])), float(distance[k])
