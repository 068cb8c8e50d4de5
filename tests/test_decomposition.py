"""Atom groupings for dipole-current decomposition (HCl, TiO2–water) and the water density profile."""

from __future__ import annotations

import numpy as np
import pytest
from ase.geometry import get_distances

from lesdistill.decomposition import (
    HCL_COMPLEX_GROUPS,
    HCL_GROUPS,
    WATER_LAYER_CUTS,
    excess_protons,
    hcl_complex_groups,
    hcl_groups,
    identify_hydronium,
    _surface_distances,
    pair_distances,
    slab_atoms,
    water_density_profile,
    water_layer_groups,
)
from lesdistill.systems import anatase_water_interface, hcl_box
from lesdistill.systems.hcl import hydronium_geometry
from lesdistill.systems.water import WATER_MOLAR_MASS, water_geometry

HYD, SHELL, BULK, CL = (HCL_GROUPS.index(name) for name in HCL_GROUPS)
GRAMS_PER_WATER = WATER_MOLAR_MASS / 6.02214076e23
LAYER_NAMES = ("slab", "layer_1", "layer_2", "layer_3", "bulk")


def oriented(template: np.ndarray, origin, direction) -> np.ndarray:
    """Molecule ``template`` (z = its symmetry axis) with that axis along ``direction``, first atom at ``origin``."""
    e3 = np.asarray(direction, dtype=float)
    e3 = e3 / np.linalg.norm(e3)
    helper = np.array([1.0, 0.0, 0.0]) if abs(e3[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(helper, e3)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(e3, e1)
    return np.asarray(origin, dtype=float) + template @ np.stack([e1, e2, e3])


def wrap(positions: np.ndarray, cell: np.ndarray) -> np.ndarray:
    fractional = positions @ np.linalg.inv(cell)
    return np.mod(fractional, 1.0) @ cell


def hydronium_cluster() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """H3O⁺ with 3 H-bonded waters (O–O 2.55 Å), one far water (5.5 Å) and a Cl; (positions, numbers, labels)."""
    hydronium = hydronium_geometry()
    parts, numbers, labels = [hydronium], [8, 1, 1, 1], [HYD] * 4
    for h in hydronium[1:]:
        direction = h / np.linalg.norm(h)
        parts.append(oriented(water_geometry(), 2.55 * direction, direction))
        numbers += [8, 1, 1]
        labels += [SHELL] * 3
    parts.append(oriented(water_geometry(), [0.0, 0.0, -5.5], [0.0, 0.0, -1.0]))
    numbers += [8, 1, 1]
    labels += [BULK] * 3
    parts.append(np.array([[-4.5, 3.5, -2.0]]))
    numbers += [17]
    labels += [CL]
    positions = np.vstack(parts)
    # the cluster is sane: different molecules stay ≥ 1.5 Å apart
    molecule = np.repeat(np.arange(6), [4, 3, 3, 3, 3, 1])
    d = pair_distances(positions, positions, None)
    assert d[molecule[:, None] != molecule[None, :]].min() > 1.5
    return positions, np.array(numbers), np.array(labels)


# ---------------------------------------------------------------- geometry


def test_pair_distances_match_ase_minimum_image_in_a_skewed_cell():
    rng = np.random.default_rng(0)
    cell = np.array([[8.0, 0.0, 0.0], [3.5, 7.0, 0.0], [-2.5, 2.0, 9.0]])
    a, b = rng.uniform(-5, 15, (7, 3)), rng.uniform(-5, 15, (9, 3))
    _, expected = get_distances(a, b, cell=cell, pbc=True)
    assert pair_distances(a, b, cell) == pytest.approx(expected, abs=1e-10)
    assert pair_distances(a, b, None) == pytest.approx(np.linalg.norm(b[None] - a[:, None], axis=-1))
    orthorhombic = np.diag([7.0, 8.0, 9.0])
    assert pair_distances(a, b, orthorhombic) == pytest.approx(get_distances(a, b, cell=orthorhombic, pbc=True)[1])


# ---------------------------------------------------------------- HCl


def test_hydronium_cluster_open_boundaries():
    positions, numbers, expected = hydronium_cluster()
    assert excess_protons(numbers) == 1
    assert identify_hydronium(positions, None, numbers, 1).tolist() == [0]
    assert hcl_groups(positions, None, numbers).tolist() == expected.tolist()
    # atom order does not matter
    order = np.random.default_rng(1).permutation(len(numbers))
    hydronium = identify_hydronium(positions[order], None, numbers[order], 1)
    assert hydronium.tolist() == [int(np.flatnonzero(order == 0)[0])]
    assert hcl_groups(positions[order], None, numbers[order]).tolist() == expected[order].tolist()


@pytest.mark.parametrize("skewed", [False, True])
def test_hydronium_cluster_across_the_periodic_boundary(skewed):
    positions, numbers, expected = hydronium_cluster()
    cell = np.diag([16.0, 16.5, 17.0])
    if skewed:
        cell = cell + np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [-2.0, 2.5, 0.0]])
    rng = np.random.default_rng(2)
    for shift in [np.zeros(3), np.array([0.2, 0.3, -0.1]), *rng.uniform(-8, 8, (3, 3))]:
        moved = wrap(positions + shift, cell)
        # the hydronium O sits within 0.5 Å of a cell face for the second shift: its H are split by the boundary
        assert identify_hydronium(moved, cell, numbers, 1).tolist() == [0]
        assert hcl_groups(moved, cell, numbers).tolist() == expected.tolist()
    split = wrap(positions + [0.2, 0.3, -0.1], cell)
    assert np.ptp(split[:4], axis=0).max() > 5.0  # the hydronium really is split across the boundary


def test_two_hydronium_and_two_chloride_in_a_box():
    cell = np.diag([15.0, 15.0, 15.0])
    parts, numbers, expected = [], [], []

    def add(coords, z, label):
        parts.append(np.atleast_2d(coords))
        numbers.extend(z)
        expected.extend([label] * len(z))

    for centre, sign in (([0.5, 0.5, 0.5], 1.0), ([7.5, 7.5, 7.5], -1.0)):
        axis = np.array([0.0, 0.0, sign])
        core = oriented(hydronium_geometry(), centre, axis)
        add(core, [8, 1, 1, 1], HYD)
        for h in core[1:]:
            direction = (h - core[0]) / np.linalg.norm(h - core[0])
            add(oriented(water_geometry(), core[0] + 2.6 * direction, direction), [8, 1, 1], SHELL)
        add(oriented(water_geometry(), core[0] - 4.5 * axis, -axis), [8, 1, 1], BULK)
    add([[4.0, 11.0, 4.0]], [17], CL)
    add([[11.0, 4.0, 11.0]], [17], CL)
    positions = wrap(np.vstack(parts), cell)
    numbers, expected = np.array(numbers), np.array(expected)
    assert excess_protons(numbers) == 2
    hydronium = identify_hydronium(positions, cell, numbers, excess_protons(numbers))
    assert hydronium.tolist() == [0, 16]
    labels = hcl_groups(positions, cell, numbers)
    assert labels.tolist() == expected.tolist()
    assert np.count_nonzero(labels == HYD) == 8 and np.count_nonzero(labels == CL) == 2
    # with a larger shell cutoff, the far waters (4.5 Å) join the first shell
    wide = hcl_groups(positions, cell, numbers, shell_cutoff=5.0)
    assert wide.tolist() == np.where(expected == BULK, SHELL, expected).tolist()


def test_most_hydrogens_wins_then_shortest_bonds():
    # O0: 2 H at 0.95 Å (+ a third H far away); O4: 3 H at 1.30 Å; O8: 3 H at 1.05 Å
    def star(origin, r, n):
        directions = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)[:n]
        return np.vstack([origin, origin + r * directions])

    positions = np.vstack([star(np.array([0.0, 0.0, 0.0]), 0.95, 2), [[-3.0, 0.0, 0.0]],
                           star(np.array([8.0, 0.0, 0.0]), 1.30, 3), star(np.array([0.0, 8.0, 0.0]), 1.05, 3)])
    numbers = np.array([8, 1, 1, 1, 8, 1, 1, 1, 8, 1, 1, 1])
    assert identify_hydronium(positions, None, numbers, 1).tolist() == [8]
    assert identify_hydronium(positions, None, numbers, 2).tolist() == [4, 8]
    assert identify_hydronium(positions, None, numbers, 3).tolist() == [0, 4, 8]
    assert identify_hydronium(positions, None, numbers, 0).tolist() == []
    # a smaller cutoff leaves O8 (1.05 Å) with 3 H and O4 (1.30 Å) with none
    assert identify_hydronium(positions, None, numbers, 2, cutoff=1.1).tolist() == [0, 8]


def test_zundel_like_shared_proton_goes_to_one_core():
    # two O 2.4 Å apart share an H 1.15/1.25 Å away; each has 2 own H; n_protons = 1
    oa, ob = np.zeros(3), np.array([2.4, 0.0, 0.0])
    positions = np.array([oa, [1.15, 0.0, 0.0], oa + [-0.3, 0.93, 0.0], oa + [-0.3, -0.47, 0.81],
                          ob, ob + [0.3, 0.93, 0.0], ob + [0.3, -0.47, -0.81]])
    numbers = np.array([8, 1, 1, 1, 8, 1, 1])
    assert identify_hydronium(positions, None, numbers, 1).tolist() == [0]
    labels = hcl_groups(positions, None, numbers, n_protons=1)
    assert labels.tolist() == [HYD] * 4 + [SHELL] * 3


def test_real_hcl_box():
    n = 2
    atoms = hcl_box(n, n, 46, length=14.43 * 0.5 ** (1 / 3), seed=0)
    positions, cell, numbers = atoms.positions, atoms.cell.array, atoms.numbers
    hydronium = identify_hydronium(positions, cell, numbers, excess_protons(numbers))
    assert excess_protons(numbers) == n
    assert hydronium.tolist() == [4 * k for k in range(n)]  # the builder puts the H3O⁺ first
    labels = hcl_groups(positions, cell, numbers)
    assert labels.shape == (len(atoms),) and set(labels.tolist()) <= set(range(len(HCL_GROUPS)))
    assert np.count_nonzero(labels == HYD) == 4 * n and np.count_nonzero(labels == CL) == n
    assert (labels[:4 * n] == HYD).all() and (labels[4 * n:5 * n] == CL).all()
    waters = labels[5 * n:].reshape(-1, 3)
    assert (waters == waters[:, :1]).all()  # every water molecule's atoms share a label
    assert set(waters[:, 0].tolist()) <= {SHELL, BULK}
    # first shell = water O within 3 Å (minimum image) of a hydronium O, checked with ASE
    water_o = np.arange(5 * n, len(atoms), 3)
    _, d = get_distances(positions[water_o], positions[hydronium], cell=cell, pbc=True)
    assert ((d.min(axis=1) < 3.0) == (labels[water_o] == SHELL)).all()


def test_hcl_complex_is_every_atom_within_3_angstrom_of_a_hydronium_oxygen_chloride_included():
    """The paper's groups, atom by atom, against ASE's minimum-image distances: open boundaries with a Cl
    moved into the complex, and the periodic 2 H3O⁺ + 2 Cl⁻ box."""
    positions, numbers, molecule_labels = hydronium_cluster()
    positions[-1] = [0.0, 0.0, 2.9]  # the Cl 2.9 Å above the hydronium O, clear of every other atom
    assert pair_distances(positions[-1:], positions[:-1], None).min() > 1.5
    labels = hcl_complex_groups(positions, None, numbers)
    distance = np.linalg.norm(positions - positions[0], axis=1)
    core = molecule_labels == HYD
    assert (labels[core] == HCL_COMPLEX_GROUPS.index("hydronium")).all()
    assert ((labels[~core] == HCL_COMPLEX_GROUPS.index("complex")) == (distance[~core] < 3.0)).all()
    assert labels[-1] == HCL_COMPLEX_GROUPS.index("complex") and (labels == 2).any()  # the Cl; some bulk left
    assert 0 < np.count_nonzero(labels[4:13] == 1) < 9  # the shell waters are split atom by atom

    atoms = hcl_box(2, 2, 46, length=14.43 * 0.5 ** (1 / 3), seed=0)
    positions, cell, numbers = atoms.positions, atoms.cell.array, atoms.numbers
    labels = hcl_complex_groups(positions, cell, numbers)
    cores = identify_hydronium(positions, cell, numbers, 2)
    _, d = get_distances(positions, positions[cores], cell=cell, pbc=True)
    core = hcl_groups(positions, cell, numbers) == HYD
    assert ((labels == 0) == core).all()
    assert ((labels[~core] == 1) == (d.min(axis=1)[~core] < 3.0)).all()


# ---------------------------------------------------------------- TiO2–water layers

SLAB_CELL = np.diag([9.0, 9.0, 20.0])
TOP, BOTTOM = 10.8, 9.2
# (distance from the surface in Å, above the top (+1) or below the bottom (−1), expected label)
WATERS = [(1.03, +1, 1), (2.55, +1, 2), (5.05, +1, 3), (7.05, +1, 4),
          (1.23, -1, 1), (3.05, -1, 2), (4.55, -1, 3), (8.55, -1, 4), (8.95, -1, 4)]


def hand_slab(waters=WATERS, cell=SLAB_CELL, shift=(0.0, 0.0, 0.0)):
    """Ti/O slab (outermost O at z 10.8 and 9.2) with waters at known distances, for a 9 × 9 × 20 Å cell.

    Returns (positions, numbers, expected labels, O distances); positions are moved by ``shift`` and
    wrapped into ``cell`` (the same lattice or one sharing its normal and layer period). The lowest
    waters' H cross z = 0.
    """
    slab = np.array([[1.5, 1.5, 10.0], [6.0, 6.0, 10.0], [6.0, 1.5, TOP], [1.5, 6.0, BOTTOM], [4.5, 4.5, 10.0]])
    parts, numbers, expected, distances = [slab], [22, 22, 8, 8, 8], [0] * 5, []
    lateral = [(0.0, 0.0), (3.0, 0.0), (6.0, 3.0), (0.0, 3.0), (3.0, 6.0), (6.0, 0.0), (0.0, 6.0), (3.0, 3.0),
               (6.0, 6.0)]
    for (distance, side, label), (x, y) in zip(waters, lateral):
        z = TOP + distance if side > 0 else BOTTOM - distance
        parts.append(oriented(water_geometry(), [x + 0.2, y + 0.3, z], [0.0, 0.0, side]))
        numbers += [8, 1, 1]
        expected += [label] * 3
        distances.append(distance)
    positions = wrap(np.vstack(parts) + shift, cell)
    return positions, np.array(numbers), np.array(expected), np.array(distances)


def test_hand_slab_layers_on_both_sides_and_across_the_boundary():
    positions, numbers, expected, _ = hand_slab()
    assert positions[-2:, 2].min() > 19.0  # the last water's H wrapped to the top of the cell
    labels, names = water_layer_groups(positions, SLAB_CELL, numbers)
    assert names == LAYER_NAMES
    assert labels.tolist() == expected.tolist()
    # an explicit slab mask gives the same answer; custom cuts change the layers
    mask = np.arange(len(numbers)) < 5
    assert water_layer_groups(positions, SLAB_CELL, numbers, slab_mask=mask)[0].tolist() == expected.tolist()
    labels, names = water_layer_groups(positions, SLAB_CELL, numbers, cuts=(3.0,))
    assert names == ("slab", "layer_1", "bulk")
    o_distance = {1.03: 1, 2.55: 1, 5.05: 2, 7.05: 2, 1.23: 1, 3.05: 2, 4.55: 2, 8.55: 2, 8.95: 2}
    assert labels[5::3].tolist() == [o_distance[d] for d, _, _ in WATERS]


def test_mean_layer_planes_sit_at_the_mean_height_of_the_outermost_layer():
    """Top layer within 1 Å of the outermost O (10.8): that O and three Ti at 10.0 → plane at 10.2;
    bottom: O at 9.2 and the Ti → 9.8. Every water is 0.6 Å farther from it than from the outermost atom."""
    positions, numbers, _, distances = hand_slab()
    slab = np.arange(len(numbers)) < 5
    outermost, _ = _surface_distances(positions, SLAB_CELL, slab, 2, "outermost")
    mean_layer, _ = _surface_distances(positions, SLAB_CELL, slab, 2, "mean-layer")
    assert outermost[5::3] == pytest.approx(distances, abs=1e-9)
    assert mean_layer[5::3] == pytest.approx(distances + 0.6, abs=1e-9)
    labels, _ = water_layer_groups(positions, SLAB_CELL, numbers, cuts=(1.5,), surface="mean-layer")
    assert labels[5::3].tolist() == [1 if d + 0.6 < 1.5 else 2 for d in distances]
    with pytest.raises(ValueError, match="surface must be one of mean-layer, outermost"):
        water_layer_groups(positions, SLAB_CELL, numbers, surface="top")


def test_a_slab_fixed_from_the_first_frame_keeps_a_dissociating_water_in_its_layer():
    positions, numbers, expected, _ = hand_slab()
    first_mask = slab_atoms(positions, SLAB_CELL, numbers)
    assert first_mask.tolist() == (expected == 0).tolist()
    later = positions.copy()
    oxygen, hydrogen = 5, 6  # the water 1.03 Å above the top surface loses a proton to the bulk
    bond = later[hydrogen] - later[oxygen]
    bond -= np.diag(SLAB_CELL) * np.round(bond / np.diag(SLAB_CELL))  # minimum image: this H sits across y = 0
    later[hydrogen] += 0.6 * bond / np.linalg.norm(bond)
    per_frame, _ = water_layer_groups(later, SLAB_CELL, numbers)
    assert per_frame[oxygen] == 0  # found again per frame, the hydroxide O counts as slab
    fixed, _ = water_layer_groups(later, SLAB_CELL, numbers, slab_mask=first_mask)
    assert fixed[oxygen] == expected[oxygen] == 1 and fixed[5:].tolist() == expected[5:].tolist()


def test_hand_slab_is_invariant_to_translation_tilt_and_axis():
    positions, numbers, expected, _ = hand_slab()
    # the slab straddling the periodic boundary
    for shift in (10.0, 10.5, -9.7, 3.3):
        moved = wrap(positions + [0.7, -1.1, shift], SLAB_CELL)
        assert water_layer_groups(moved, SLAB_CELL, numbers)[0].tolist() == expected.tolist()
    # a triclinic cell whose third vector is tilted: heights along the normal are unchanged
    tilted = SLAB_CELL + np.array([[0, 0, 0], [2.0, 0, 0], [2.5, -1.5, 0]])
    moved = hand_slab(cell=tilted, shift=(0.0, 0.0, 9.0))[0]
    assert water_layer_groups(moved, tilted, numbers)[0].tolist() == expected.tolist()
    # the normal along x (axis 0)
    permuted_cell = SLAB_CELL[[2, 0, 1]][:, [2, 0, 1]]
    labels, _ = water_layer_groups(positions[:, [2, 0, 1]], permuted_cell, numbers, axis=0)
    assert labels.tolist() == expected.tolist()


def test_surface_hydroxyl_belongs_to_the_slab():
    positions, numbers, expected, _ = hand_slab(WATERS[1:])
    # an H 0.97 Å above the top bridging O: an OH group (1 H) stays slab, its H too
    positions = np.vstack([positions, [6.0, 1.5, TOP + 0.97]])
    numbers = np.append(numbers, 1)
    labels, _ = water_layer_groups(positions, SLAB_CELL, numbers)
    assert labels.tolist() == expected.tolist() + [0]


def test_density_profile_integrates_to_the_number_of_molecules():
    positions, numbers, _, distances = hand_slab()
    area = 81.0
    r, rho = water_density_profile(positions, SLAB_CELL, numbers, bin_width=0.1)
    assert r[0] == pytest.approx(0.05) and np.diff(r) == pytest.approx(0.1)
    assert r[-1] - 0.05 <= distances.max() < r[-1] + 0.05
    molecules = rho * 1e-24 * 0.1 * area * 2 / GRAMS_PER_WATER
    assert molecules.sum() == pytest.approx(len(distances))
    occupied = np.flatnonzero(molecules > 1e-9)
    assert r[occupied] == pytest.approx(np.sort(np.floor(distances / 0.1) * 0.1 + 0.05))
    # frames: the mean of the frames; (F, 3, 3) cells accepted
    second = positions.copy()
    second[-3:, 2] -= 5.0  # the last water (8.95 Å below) moves to 4.45 Å above the top through the boundary
    frames = np.stack([positions, second])
    r2, rho2 = water_density_profile(frames, np.stack([SLAB_CELL] * 2), numbers, bin_width=0.25)
    molecules2 = rho2 * 1e-24 * 0.25 * area * 2 / GRAMS_PER_WATER
    assert molecules2.sum() == pytest.approx(len(distances))
    moved_from = np.searchsorted(r2 + 0.125, 8.95)
    moved_to = np.searchsorted(r2 + 0.125, 4.45)
    assert molecules2[moved_from] == pytest.approx(0.5) and molecules2[moved_to] == pytest.approx(0.5)


def test_real_anatase_water_interface():
    atoms = anatase_water_interface(repeat=(1, 2), layers=2, cell_height=25.0, water_density=0.997, seed=0)
    positions, cell, numbers = atoms.positions, atoms.cell.array, atoms.numbers
    region = atoms.arrays["region"]
    labels, names = water_layer_groups(positions, cell, numbers)
    assert names == LAYER_NAMES
    assert ((labels == 0) == (region == 0)).all()  # auto-detected slab = the builder's slab
    n_slab = int((region == 0).sum())
    waters = labels[n_slab:].reshape(-1, 3)
    assert (waters == waters[:, :1]).all() and (waters > 0).all()
    # independent check from the builder's outermost slab atoms
    lower, upper = atoms.info["surface_z"]
    z = positions[n_slab::3, 2]
    distance = np.where(z > upper, z - upper, lower - z)
    assert (distance > 0).all()
    expected = 1 + np.searchsorted(WATER_LAYER_CUTS, distance, side="right")
    assert waters[:, 0].tolist() == expected.tolist()
    assert {1, 4} <= set(waters[:, 0].tolist())
    r, rho = water_density_profile(positions, cell, numbers, slab_mask=region == 0)
    area = cell[0, 0] * cell[1, 1]
    assert (rho * 1e-24 * 0.1 * area * 2 / GRAMS_PER_WATER).sum() == pytest.approx(len(waters))
    assert r[-1] == pytest.approx(distance.max(), abs=0.1)
    assert water_density_profile(positions, cell, numbers)[1] == pytest.approx(rho)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda p, c, z: identify_hydronium(p, c, z, 99), "n_protons"),
        (lambda p, c, z: identify_hydronium(p, c, z, -1), "n_protons"),
        (lambda p, c, z: identify_hydronium(p, c, z, 1.5), "n_protons"),
        (lambda p, c, z: identify_hydronium(p, c, z, 1, cutoff=0.0), "cutoff"),
        (lambda p, c, z: identify_hydronium(p[:, :2], c, z, 1), "positions"),
        (lambda p, c, z: identify_hydronium(p, c, z[:-1], 1), "numbers"),
        (lambda p, c, z: identify_hydronium(p, c[:2], z, 1), "cell"),
        (lambda p, c, z: identify_hydronium(p, np.zeros((3, 3)), z, 1), "cell"),
        (lambda p, c, z: identify_hydronium(np.full_like(p, np.nan), c, z, 1), "positions"),
        (lambda p, c, z: hcl_groups(p, c, z, shell_cutoff=-1.0), "shell_cutoff"),
        (lambda p, c, z: hcl_groups(p, c, z, core_cutoff=0.0), "core_cutoff"),
        (lambda p, c, z: hcl_groups(p, c, np.where(z == 17, 11, z)), "numbers"),
        (lambda p, c, z: hcl_groups(p, c, z, n_protons=6), "n_protons"),
    ],
)
def test_bad_hcl_input(call, message):
    positions, numbers, _ = hydronium_cluster()
    with pytest.raises(ValueError, match=message):
        call(positions, np.eye(3) * 16.0, numbers)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda p, c, z: water_layer_groups(p, c, z, cuts=(3.0, 2.0)), "cuts"),
        (lambda p, c, z: water_layer_groups(p, c, z, cuts=(0.0, 2.0)), "cuts"),
        (lambda p, c, z: water_layer_groups(p, c, z, cuts=(-1.0,)), "cuts"),
        (lambda p, c, z: water_layer_groups(p, c, z, cuts=()), "cuts"),
        (lambda p, c, z: water_layer_groups(p, c, z, axis=3), "axis"),
        (lambda p, c, z: water_layer_groups(p, None, z), "cell"),
        (lambda p, c, z: water_layer_groups(p, c, z, slab_mask=np.ones(3, bool)), "slab_mask"),
        (lambda p, c, z: water_layer_groups(p, c, z, slab_mask=np.zeros(len(z), bool)), "slab_mask"),
        (lambda p, c, z: water_layer_groups(p, c, z[:-1]), "numbers"),
        (lambda p, c, z: water_layer_groups(p[5:], c, z[5:]), "slab_mask"),
        (lambda p, c, z: water_density_profile(p, c, z, bin_width=0.0), "bin_width"),
        (lambda p, c, z: water_density_profile(p, c, z, axis=-1), "axis"),
        (lambda p, c, z: water_density_profile(p[None, :, :2], c, z), "positions"),
        (lambda p, c, z: water_density_profile(np.stack([p, p]), np.stack([c] * 3), z), "cell"),
        (lambda p, c, z: water_density_profile(p, None, z), "cell"),
    ],
)
def test_bad_slab_input(call, message):
    positions, numbers, _, _ = hand_slab()
    with pytest.raises(ValueError, match=message):
        call(positions, SLAB_CELL, numbers)
