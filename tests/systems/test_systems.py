"""System builders: determinism, composition, charge, contacts, molecular geometry, density, bad input."""

from __future__ import annotations

import math
import time
from collections import Counter

import numpy as np
import pytest
from ase import Atoms
from ase.neighborlist import neighbor_list
from scipy.spatial import cKDTree

from lesdistill.systems import anatase_101_slab, anatase_water_interface, hcl_box, hcl_concentration, water_box
from lesdistill.systems.anatase import TiO2WaterParameters
from lesdistill.systems.hcl import HClParameters

WATER_PER_A3 = 0.997 * 6.02214076e23 / (2 * 1.00794 + 15.9994) * 1e-24  # molecules/Å³ at 0.997 g/cm³


def paper_hcl(**changes) -> Atoms:
    """The paper's HCl box (the registry's defaults) with ``changes`` to the builder's arguments."""
    paper = HClParameters()
    return hcl_box(**{"n_hydronium": paper.ion_pairs, "n_chloride": paper.ion_pairs, "n_water": paper.waters,
                      "length": paper.length, **changes})


def paper_tio2(**changes) -> Atoms:
    """The paper's TiO2(101)–water cell (the registry's defaults) with ``changes`` to the builder's arguments."""
    paper = TiO2WaterParameters()
    return anatase_water_interface(**{"repeat": paper.repeat, "layers": paper.layers, "cell_height": paper.cell_height,
                                      "water_density": paper.density, **changes})


def molecule_ids(sizes: list[int]) -> np.ndarray:
    """Per-atom molecule index for consecutive molecules of the given atom counts."""
    return np.repeat(np.arange(len(sizes)), sizes)


def min_intermolecular_distance(atoms: Atoms, molecule: np.ndarray) -> float:
    """Smallest minimum-image distance (Å) between atoms of different molecules (orthorhombic cell)."""
    lengths = np.diag(atoms.cell.array)
    assert np.allclose(atoms.cell.array, np.diag(lengths))
    wrapped = np.mod(atoms.positions, lengths)
    tree = cKDTree(np.where(wrapped >= lengths, wrapped - lengths, wrapped), boxsize=lengths)
    pairs = tree.query_pairs(3.0, output_type="ndarray")
    pairs = pairs[molecule[pairs[:, 0]] != molecule[pairs[:, 1]]]
    return float(atoms.get_distances(pairs[:, 0], pairs[:, 1], mic=True).min()) if len(pairs) else math.inf


def bond_geometry(atoms: Atoms, start: int, n_hydrogens: int) -> tuple[np.ndarray, np.ndarray]:
    """O–H lengths (n,) and H–O–H angles (degrees) of the molecule whose O is atom ``start``."""
    hydrogens = list(range(start + 1, start + 1 + n_hydrogens))
    vectors = atoms.get_distances(start, hydrogens, mic=True, vector=True)
    lengths = np.linalg.norm(vectors, axis=1)
    angles = [math.degrees(math.acos(vectors[i] @ vectors[j] / (lengths[i] * lengths[j])))
              for i in range(n_hydrogens) for j in range(i + 1, n_hydrogens)]
    return lengths, np.array(angles)


def assert_rigid_waters(atoms: Atoms, first: int, n_water: int) -> None:
    """Every H2O from atom ``first`` on (O, H, H) has the gas-phase geometry."""
    for start in range(first, first + 3 * n_water, 3):
        assert atoms.get_chemical_symbols()[start:start + 3] == ["O", "H", "H"]
        lengths, angles = bond_geometry(atoms, start, 2)
        assert lengths == pytest.approx([0.9572] * 2, abs=1e-9)
        assert angles == pytest.approx([104.52], abs=1e-6)


# ---------------------------------------------------------------- water and HCl


def test_water_box_is_deterministic_and_clear():
    first, again, other = water_box(27, seed=5), water_box(27, seed=5), water_box(27, seed=6)
    assert np.array_equal(first.positions, again.positions)
    assert not np.allclose(first.positions, other.positions)
    assert min_intermolecular_distance(first, molecule_ids([3] * 27)) >= 1.7
    assert_rigid_waters(first, 0, 27)


def test_hcl_concentration_of_the_paper_box():
    molarity, density = hcl_concentration(4, 4, 92, 14.43)
    assert molarity == pytest.approx(2.21, abs=0.01)
    assert density == pytest.approx(1.036, abs=0.002)


def test_hcl_box_composition_charge_and_order():
    atoms = paper_hcl()
    assert len(atoms) == 296
    assert Counter(atoms.get_chemical_symbols()) == {"H": 4 * 3 + 92 * 2, "O": 96, "Cl": 4}
    assert atoms.pbc.all() and np.allclose(atoms.cell.array, 14.43 * np.eye(3))
    assert atoms.info["charge"] == 0 and atoms.info["spin"] == 1
    symbols = atoms.get_chemical_symbols()
    assert symbols[:16] == ["O", "H", "H", "H"] * 4 and symbols[16:20] == ["Cl"] * 4
    charges = atoms.arrays["formal_charges"]
    assert charges.sum() == 0
    per_molecule = np.bincount(molecule_ids([4] * 4 + [1] * 4 + [3] * 92), weights=charges)
    assert per_molecule.tolist() == [1] * 4 + [-1] * 4 + [0] * 92


def test_hcl_box_geometry_and_contacts():
    atoms = paper_hcl(seed=2)
    for start in range(0, 16, 4):
        lengths, angles = bond_geometry(atoms, start, 3)
        assert lengths == pytest.approx([0.98] * 3, abs=1e-9)
        assert angles == pytest.approx([112.0] * 3, abs=1e-6)
    assert_rigid_waters(atoms, 20, 92)
    assert min_intermolecular_distance(atoms, molecule_ids([4] * 4 + [1] * 4 + [3] * 92)) >= 1.7


def test_hcl_box_is_deterministic():
    first, again, other = paper_hcl(seed=1), paper_hcl(seed=1), paper_hcl(seed=4)
    assert np.array_equal(first.positions, again.positions)
    assert not np.allclose(first.positions, other.positions)


def test_small_hcl_box_at_the_same_concentration():
    length = 14.43 * (1 / 4) ** (1 / 3)  # a quarter of the paper box: 1 + 1 + 23
    atoms = hcl_box(1, 1, 23, length=length, seed=0)
    assert len(atoms) == 4 + 1 + 69
    assert hcl_concentration(1, 1, 23, length)[0] == pytest.approx(2.21, abs=0.01)
    assert min_intermolecular_distance(atoms, molecule_ids([4, 1] + [3] * 23)) >= 1.7


# ---------------------------------------------------------------- anatase (101)–water


def test_anatase_slab_surface_cell_and_terminations():
    slab = anatase_101_slab((1, 1), 3)
    assert slab.cell.lengths()[:2] == pytest.approx([math.hypot(3.785, 9.514), 3.785])
    assert slab.cell.lengths()[:2] == pytest.approx([10.24, 3.785], abs=0.005)
    assert Counter(slab.get_chemical_symbols()) == {"Ti": 12, "O": 24}
    assert slab.pbc.tolist() == [True, True, False]
    coordination = np.bincount(neighbor_list("i", slab, 2.2), minlength=len(slab))
    z = slab.positions[:, 2]
    ti = slab.numbers == 22
    for face in (z.min(), z.max()):  # each face: 2-fold O outermost, 5-fold Ti 0.73 Å below
        outermost = np.isclose(z, face)
        assert set(slab.symbols[outermost]) == {"O"} and coordination[outermost].tolist() == [2, 2]
        assert coordination[ti & (np.abs(z - face) < 1.0)].tolist() == [5, 5]
    assert (coordination[ti] == 6).sum() == 8 and (coordination[~ti] == 3).sum() == 20


def test_small_interface_composition_and_contacts():
    atoms = anatase_water_interface(repeat=(1, 2), layers=2, cell_height=25.0, water_density=0.997, seed=0)
    region = atoms.arrays["region"]
    slab = region == 0
    n_water = int((region == 1).sum()) // 3
    assert Counter(atoms[slab].get_chemical_symbols()) == {"Ti": 16, "O": 32}
    assert slab[:48].all() and not slab[48:].any()
    assert atoms.arrays["formal_charges"].sum() == 0
    assert atoms.arrays["formal_charges"][slab].sum() == 0
    assert atoms.pbc.all() and atoms.cell.lengths() == pytest.approx([10.2393, 7.57, 25.0], abs=1e-4)
    lower, upper = atoms.info["surface_z"]
    assert atoms.positions[slab, 2].min() == pytest.approx(lower)
    assert atoms.positions[slab, 2].max() == pytest.approx(upper)
    gap_volume = atoms.cell.lengths()[0] * atoms.cell.lengths()[1] * (25.0 - (upper - lower))
    assert n_water == round(gap_volume * WATER_PER_A3)
    assert_rigid_waters(atoms, 48, n_water)
    molecule = np.concatenate([np.zeros(48, dtype=int), 1 + molecule_ids([3] * n_water)])
    assert min_intermolecular_distance(atoms, molecule) >= 1.7


def test_interface_is_deterministic():
    first = anatase_water_interface(repeat=(1, 2), layers=1, cell_height=20.0, water_density=0.997, seed=3)
    again = anatase_water_interface(repeat=(1, 2), layers=1, cell_height=20.0, water_density=0.997, seed=3)
    other = anatase_water_interface(repeat=(1, 2), layers=1, cell_height=20.0, water_density=0.997, seed=4)
    assert np.array_equal(first.positions, again.positions)
    assert len(first) == len(other) and not np.allclose(first.positions, other.positions)


def test_paper_size_interface():
    start = time.perf_counter()
    atoms = paper_tio2(seed=0)
    assert time.perf_counter() - start < 15.0
    region = atoms.arrays["region"]
    slab = region == 0
    n_water = int((region == 1).sum()) // 3
    assert Counter(atoms[slab].get_chemical_symbols()) == {"Ti": 540, "O": 1080}
    assert atoms.cell.lengths() == pytest.approx([3 * 10.2393, 9 * 3.785, 83.394], abs=1e-3)
    assert abs(n_water - 2376) / 2376 < 0.03  # paper: ~2376 H2O in its slightly different cell
    assert atoms.arrays["formal_charges"].sum() == 0
    molecule = np.concatenate([np.zeros(1620, dtype=int), 1 + molecule_ids([3] * n_water)])
    assert min_intermolecular_distance(atoms, molecule) >= 1.7
    # density of the water further than `cut` from both surfaces, averaged over cuts spanning a layer period
    lower, upper = atoms.info["surface_z"]
    z = atoms.positions[(region == 1) & (atoms.numbers == 8), 2]
    distance = np.where(z > upper, z - upper, lower - z)
    gap = 83.394 - (upper - lower)
    area = atoms.cell.lengths()[0] * atoms.cell.lengths()[1]
    cuts = np.linspace(4.0, 8.0, 41)
    density = np.mean([(distance > cut).sum() / (area * (gap - 2 * cut)) for cut in cuts])
    assert density == pytest.approx(WATER_PER_A3, rel=0.03)
    assert n_water / (area * gap) == pytest.approx(WATER_PER_A3, rel=1e-3)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "build,message",
    [
        (lambda: water_box(0), "n_molecules"),
        (lambda: water_box(64, 0.0), "density"),
        (lambda: paper_hcl(n_hydronium=-1, n_chloride=-1), "n_hydronium"),
        (lambda: paper_hcl(n_water=-2), "n_water"),
        (lambda: paper_hcl(n_hydronium=3), "n_chloride"),
        (lambda: paper_hcl(length=0.0), "length"),
        (lambda: paper_hcl(length=8.0), "increase length"),
        (lambda: paper_tio2(repeat=(1, 0)), "repeat"),
        (lambda: paper_tio2(layers=0), "layers"),
        (lambda: paper_tio2(water_density=-1.0), "water_density"),
        (lambda: paper_tio2(repeat=(1, 1), layers=1, cell_height=20.0, water_density=3.0), "water_density"),
        (lambda: anatase_101_slab((1, 1), 1, lattice=(3.785, -1.0)), "lattice"),
        (lambda: paper_tio2(repeat=(1, 1), cell_height=10.0), "cell_height"),
    ],
)
def test_bad_arguments_are_named(build, message):
    with pytest.raises(ValueError, match=message):
        build()
