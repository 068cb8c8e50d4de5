"""Anatase TiO2(101)–water interface: a stoichiometric slab of O–Ti–O trilayers with water in the gap."""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from ase import Atoms
from ase.build import surface
from ase.spacegroup import crystal
from pydantic import Field

from .packing import formal_charges, pack_molecules, shuffled_sites
from .parameters import BuilderParameters
from .water import WATER_DENSITY, water_geometry, water_molecules

#: Anatase lattice (Å) and the O 8e coordinate (space group I4₁/amd, origin choice 1).
ANATASE_A = 3.785
ANATASE_C = 9.514
ANATASE_U = 0.2081
#: TiO2 units per O–Ti–O trilayer of one (101) surface cell (≈ 10.24 × 3.78 Å).
TIO2_PER_TRILAYER = 4


def anatase_101_slab(repeat: tuple[int, int], layers: int,
                     lattice: tuple[float, float] = (ANATASE_A, ANATASE_C)) -> Atoms:
    """Stoichiometric anatase (101) slab of ``layers`` O–Ti–O trilayers, surface normal along z.

    The surface cell (x along [10-1], y along [010]) is √(a² + c²) × a ≈ 10.24 × 3.78 Å, repeated
    ``repeat`` times in x and y; each trilayer holds 4 TiO2 per surface cell and is d₁₀₁ =
    a·c/√(a² + c²) ≈ 3.52 Å thick, cut at the widest gap between atomic planes so that both
    surfaces expose the usual 2-fold O and 5-fold Ti. ``lattice`` is (a, c) in Å. Periodic in x and
    y only; the cell's z length is that of the trilayers (d₁₀₁ · layers) and atoms start at z = 0.
    """
    if len(repeat) != 2 or min(repeat) < 1:
        raise ValueError(f"repeat must be two positive surface-cell counts, got {repeat}")
    if layers < 1:
        raise ValueError(f"layers must be at least 1, got {layers}")
    if len(lattice) != 2 or min(lattice) <= 0:
        raise ValueError(f"lattice must be two positive lengths (a, c) in Å, got {lattice}")
    a, c = lattice
    bulk = crystal(["Ti", "O"], basis=[(0, 0, 0), (0, 0, ANATASE_U)], spacegroup=141,
                   cellpar=[a, a, c, 90, 90, 90])
    period = a * c / math.hypot(a, c)
    cut = surface(bulk, (1, 0, 1), layers + 1, vacuum=None)
    z = cut.positions[:, 2]
    planes = np.sort(np.mod(z, period))
    gaps = np.diff(np.append(planes, planes[0] + period))
    widest = int(np.argmax(gaps))
    boundary = (planes[widest] + gaps[widest] / 2) % period
    keep = (z >= boundary) & (z < boundary + layers * period)
    in_plane = cut.cell.array[:2, :2]
    assert np.allclose(in_plane, np.diag(np.diag(in_plane))), "the (101) surface cell must be rectangular"
    positions = cut.positions[keep] - [0.0, 0.0, z[keep].min()]
    cell = [in_plane[0, 0], in_plane[1, 1], layers * period]
    slab = Atoms(cut.symbols[keep], positions=positions, cell=cell, pbc=(True, True, False)).repeat((*repeat, 1))
    assert len(slab) == 3 * TIO2_PER_TRILAYER * layers * repeat[0] * repeat[1]
    return slab


def anatase_water_interface(
    repeat: tuple[int, int],
    layers: int,
    cell_height: float,
    water_density: float,
    seed: int = 0,
    min_distance: float = 1.7,
    max_tries: int = 200,
    lattice: tuple[float, float] = (ANATASE_A, ANATASE_C),
) -> Atoms:
    """Periodic anatase TiO2(101) slab in water, orthorhombic cell (Lx, Ly, ``cell_height``) in Å.

    ``repeat`` surface cells (x, y) and ``layers`` trilayers build the slab (``anatase_101_slab``),
    which sits in the middle of the cell along z; the gap between its two
    outermost atomic planes through the periodic boundary (cell_height − slab thickness) holds
    round(ρ · area · gap / m_H2O) rigid gas-phase H2O at ``water_density`` g/cm³, on a jittered
    lattice with random orientations, no atom of a water closer than ``min_distance`` Å to another
    molecule or to the slab. The paper's cell is 30.741 × 33.939 × 83.394 Å (3 × 9 surface cells,
    5 trilayers = 540 Ti, 1080 lattice O); its lateral lengths match lattice=(3.771, 9.528).

    Atoms: the slab (Ti, O) first, then H2O (O, H, H). ``arrays["region"]`` is 0 for slab and 1 for
    water atoms, ``arrays["formal_charges"]`` the oxidation states (Ti +4, O −2, H +1; total 0), and
    ``info["surface_z"]`` the z (Å) of the slab's lower and upper outermost atoms.
    """
    if not water_density > 0:
        raise ValueError(f"water_density must be positive (g/cm³), got {water_density}")
    slab = anatase_101_slab(tuple(repeat), layers, lattice)
    thickness = np.ptp(slab.positions[:, 2])
    gap = cell_height - thickness
    lengths = np.array([slab.cell[0, 0], slab.cell[1, 1], cell_height])
    n_water = water_molecules(lengths[0] * lengths[1] * gap, water_density) if gap > 0 else 0
    if n_water < 1:
        raise ValueError(f"cell_height ({cell_height} Å) leaves no room for water above a {thickness:.3f} Å slab")
    lower, upper = gap / 2, gap / 2 + thickness
    slab.cell = np.diag(lengths)
    slab.positions[:, 2] += lower

    rng = np.random.default_rng(seed)
    sites, spacing = shuffled_sites([lengths[0], lengths[1], gap], n_water, rng, origin=(0.0, 0.0, upper))
    failure = (
        f"could not place {n_water} water molecules at water_density {water_density} g/cm³ in a {gap:.3f} Å "
        f"gap with distances ≥ {min_distance} Å; lower water_density or min_distance, or raise cell_height"
    )
    positions = pack_molecules([water_geometry()] * n_water, sites, spacing, lengths, rng,
                               min_distance=min_distance, max_tries=max_tries, failure=failure,
                               obstacles=slab.positions)
    atoms = slab + Atoms("OH2" * n_water, positions=positions)
    atoms.pbc = True
    atoms.wrap()
    atoms.arrays["region"] = np.repeat([0, 1], [len(slab), 3 * n_water])
    atoms.arrays["formal_charges"] = formal_charges(atoms.get_chemical_symbols())
    atoms.info["surface_z"] = [float(lower), float(upper)]
    n_ti = TIO2_PER_TRILAYER * layers * repeat[0] * repeat[1]
    assert atoms.get_chemical_symbols().count("Ti") == n_ti and len(slab) == 3 * n_ti
    assert len(atoms) == 3 * n_ti + 3 * n_water
    assert atoms.arrays["formal_charges"].sum() == 0
    return atoms


class TiO2WaterParameters(BuilderParameters):
    """Anatase TiO2(101)–water interface (paper: 30.741 × 33.939 × 83.394 Å, 8748 atoms)."""

    repeat: tuple[Annotated[int, Field(gt=0)], Annotated[int, Field(gt=0)]] = Field(
        (3, 9), description="surface cells (x, y) of the ≈10.24 × 3.78 Å (101) cell")
    layers: int = Field(5, gt=0, description="O–Ti–O trilayers in the slab")
    cell_height: float = Field(83.394, gt=0, description="cell length along the surface normal (Å)")
    density: float = Field(WATER_DENSITY, gt=0, description="water density in the gap (g/cm³)")
    lattice: tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]] | None = Field(
        None, description=f"anatase (a, c) in Å (default {ANATASE_A}, {ANATASE_C}; the paper's cell: 3.771, 9.528)")

    def build(self) -> Atoms:
        lattice = {} if self.lattice is None else {"lattice": tuple(self.lattice)}
        return anatase_water_interface(tuple(self.repeat), self.layers, self.cell_height, self.density,
                                       seed=self.seed, **lattice)
