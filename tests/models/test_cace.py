"""The local Cartesian ACE backbone: neighbour lists, exact invariances, locality, smoothness, I/O."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from lesdistill.autodiff import energy_forces_stress
from lesdistill.models import CACEBackbone
from lesdistill.models.neighbors import neighbor_list
from tests.helpers import central_difference, random_structure

ELEMENTS = [1, 8, 22]
CUTOFF = 4.0


def make_model(dtype=torch.float64, seed: int = 0, **options) -> CACEBackbone:
    torch.manual_seed(seed)
    return CACEBackbone(ELEMENTS, **{"cutoff": CUTOFF, **options}).to(dtype)


def structure(seed: int, n_atoms: int = 24, length: float = 8.0):
    """(positions, numbers, cell) of a random periodic H/O/Ti structure, float64."""
    positions, cell, _ = random_structure(seed, n_atoms, length)
    numbers = torch.tensor(ELEMENTS)[torch.randint(0, 3, (n_atoms,), generator=torch.Generator().manual_seed(seed))]
    return positions, numbers, cell


def energy(model, positions, numbers, cell, batch=None):
    return model(positions, numbers, cell, batch)["atom_energy"].sum()


def assert_close(a: torch.Tensor, b: torch.Tensor, rel: float) -> None:
    """|a − b| ≤ rel · (largest |a| of the same feature column, or of all of a for 1-D tensors)."""
    scale = a.abs().amax(dim=0, keepdim=True) if a.ndim == 2 else a.abs().max()
    error = ((a - b).abs() / scale.clamp_min(1e-300)).max().item()
    assert error <= rel, error


def random_rotation(seed: int, proper: bool = True) -> torch.Tensor:
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r))
    if (torch.det(q) > 0) != proper:
        q = -q
    return q


@pytest.fixture(scope="module")
def model():
    return make_model()


def test_neighbor_list_matches_brute_force():
    positions, _, cell = structure(1, n_atoms=12, length=5.0)  # cutoff larger than half the cell
    i, j, vectors = neighbor_list(positions, cell, CUTOFF)
    found = sorted((a, b, round(d, 9)) for a, b, d in zip(i.tolist(), j.tolist(), vectors.norm(dim=1).tolist()))
    expected = []
    for shift in itertools.product(range(-3, 4), repeat=3):
        offset = torch.tensor(shift, dtype=torch.float64) @ cell
        d = (positions[None, :, :] + offset - positions[:, None, :]).norm(dim=2)
        for a, b in zip(*torch.nonzero((d < CUTOFF) & (d > 0), as_tuple=True)):
            expected.append((a.item(), b.item(), round(d[a, b].item(), 9)))
    assert found == sorted(expected)
    i, j, vectors = neighbor_list(positions, None, CUTOFF)
    d = (positions[None] - positions[:, None]).norm(dim=2)
    assert len(i) == int(((d < CUTOFF) & (d > 0)).sum())
    assert torch.allclose(vectors, positions[j] - positions[i])


def test_invariance_rotation_translation_permutation_lattice(model):
    positions, numbers, cell = structure(2)
    reference = model(positions, numbers, cell)
    for proper in (True, False):
        rotation = random_rotation(3, proper)
        out = model(positions @ rotation.T, numbers, cell @ rotation.T)
        for key in ("features", "atom_energy"):
            assert_close(reference[key], out[key], 1e-10)
    out = model(positions + torch.tensor([3.1, -7.2, 0.4], dtype=torch.float64), numbers, cell)
    assert_close(reference["features"], out["features"], 1e-10)
    perm = torch.randperm(len(numbers), generator=torch.Generator().manual_seed(4))
    out = model(positions[perm], numbers[perm], cell)
    assert_close(reference["features"][perm], out["features"], 1e-10)
    unimodular = torch.tensor([[1, 1, 0], [0, 1, 0], [1, -1, 1]], dtype=torch.float64)
    assert torch.det(unimodular).item() == pytest.approx(1.0)
    out = model(positions, numbers, unimodular @ cell)
    assert_close(reference["features"], out["features"], 1e-10)
    assert_close(reference["atom_energy"], out["atom_energy"], 1e-10)


def test_open_boundaries_invariant_and_equal_to_large_box(model):
    positions, numbers, _ = structure(5, n_atoms=20, length=6.0)
    reference = model(positions, numbers, None)
    rotation = random_rotation(6)
    assert_close(reference["features"], model(positions @ rotation.T + 2.0, numbers, None)["features"], 1e-10)
    zero_cell = model(positions, numbers, torch.zeros(3, 3, dtype=torch.float64))
    assert_close(reference["features"], zero_cell["features"], 1e-12)
    big_box = model(positions, numbers, 50.0 * torch.eye(3, dtype=torch.float64))
    assert_close(reference["features"], big_box["features"], 1e-12)


def test_locality(model):
    positions, numbers, _ = structure(7, n_atoms=30, length=10.0)
    centre = 0
    distance = (positions - positions[centre]).norm(dim=1)
    far = int(torch.nonzero(distance > CUTOFF + 0.5)[0])
    reference = model(positions, numbers, None)["features"][centre]
    moved = positions.clone()
    direction = (positions[far] - positions[centre]) / distance[far]
    moved[far] = positions[centre] + (CUTOFF + 3.0) * direction
    assert_close(reference, model(moved, numbers, None)["features"][centre], 1e-12)
    moved = positions.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(moved, numbers, None)["atom_energy"][centre], moved)
    assert torch.all(grad[distance >= CUTOFF] == 0)
    assert torch.all(grad[(distance < CUTOFF) & (distance > 0)].norm(dim=1) > 0)


def test_energy_and_force_continuous_across_cutoff(model):
    numbers = torch.tensor([8, 1, 22])
    base = torch.tensor([[0.0, 0.0, 0.0], [0.96, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype=torch.float64)
    results = []
    for r in (CUTOFF - 1e-4, CUTOFF + 1e-4):
        positions = base.clone()
        positions[2] = torch.tensor([0.3, r * 0.6, r * 0.8], dtype=torch.float64)
        positions = positions.requires_grad_(True)
        e = energy(model, positions, numbers, None)
        (grad,) = torch.autograd.grad(e, positions)
        results.append((e.item(), grad[2].norm().item()))
    (e_in, f_in), (e_out, f_out) = results
    assert abs(e_in - e_out) < 1e-10
    assert f_out == 0.0 and f_in < 1e-6


def test_forces_and_stress_match_finite_differences(model):
    positions, numbers, cell = structure(8, n_atoms=20, length=7.0)
    _, forces, stress = energy_forces_stress(lambda p, c: energy(model, p, numbers, c), positions, cell)
    numeric = -central_difference(lambda p: energy(model, p, numbers, cell), positions, 1e-5)
    assert_close(forces, numeric, 1e-6)

    def strained(eps: torch.Tensor) -> torch.Tensor:
        deformation = torch.eye(3, dtype=torch.float64) + 0.5 * (eps + eps.T)
        return energy(model, positions @ deformation, numbers, cell @ deformation)

    numeric_stress = central_difference(strained, torch.zeros(3, 3, dtype=torch.float64), 1e-5) / torch.det(cell).abs()
    assert_close(stress, numeric_stress, 1e-6)


def test_angular_information_and_parity(model):
    numbers = torch.tensor([8, 1, 1])
    linear = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]], dtype=torch.float64)
    bent = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [-0.25, 0.968245836551854, 0.0]], dtype=torch.float64)
    a, b = model(linear, numbers, None)["features"], model(bent, numbers, None)["features"]
    n_channels = model.n_channels
    assert_close(a[0, :n_channels], b[0, :n_channels], 1e-12)  # ν = 1: distances only
    relative = ((a[0] - b[0]).abs() / (a[0].abs() + b[0].abs())).view(-1, n_channels).amax(dim=1)
    assert torch.all(relative[2:5] > 1e-3)  # ν = 2, l = 1…3 see the bond angle
    assert torch.all(relative[6:] > 1e-3)  # so does every ν = 3 contraction other than (0, 0, 0)
    # four neighbours at equal distances: square vs tetrahedron around the centre
    square = torch.tensor([[0, 0, 0], [1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, -1, 0]], dtype=torch.float64)
    tetra = torch.tensor([[0, 0, 0], [1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=torch.float64) / 3**0.5
    numbers = torch.tensor([22, 8, 8, 8, 8])
    a, b = model(square, numbers, None)["features"][0], model(tetra, numbers, None)["features"][0]
    assert (a - b).abs().max() > 1e-3 * a.abs().max()
    # all invariants are even under inversion: a mirror image has the same features
    positions, numbers, cell = structure(9)
    mirror = torch.diag(torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64))
    assert_close(model(positions, numbers, cell)["features"], model(positions @ mirror, numbers, cell @ mirror)["features"], 1e-10)


def test_float32_close_to_float64():
    model64 = make_model()
    model32 = make_model(torch.float32)
    positions, numbers, cell = structure(10)
    a = model64(positions, numbers, cell)
    b = model32(positions.float(), numbers, cell.float())
    assert b["features"].dtype == torch.float32
    assert_close(a["features"], b["features"].double(), 1e-4)
    assert_close(a["atom_energy"], b["atom_energy"].double(), 1e-4)


def test_batch_equals_separate_calls(model):
    structures = [structure(11, 20), structure(12, 30, 9.0), structure(13, 25)]
    cells = [s[2] for s in structures]
    cells[1] = torch.zeros(3, 3, dtype=torch.float64)  # an open-boundary member
    positions = torch.cat([s[0] for s in structures])
    numbers = torch.cat([s[1] for s in structures])
    batch = torch.cat([torch.full((len(s[1]),), k) for k, s in enumerate(structures)])
    out = model(positions, numbers, torch.stack(cells), batch)
    separate = [model(s[0], s[1], None if k == 1 else s[2]) for k, s in enumerate(structures)]
    for key in ("features", "atom_energy"):
        assert_close(torch.cat([o[key] for o in separate]), out[key], 1e-12)


def test_save_load_round_trip(tmp_path):
    model = make_model(torch.float32, seed=3, n_channels=4, l_max=2, nu_max=3, mlp=(8,))
    path = tmp_path / "backbone.pt"
    torch.save({"config": model.config, "state_dict": model.state_dict()}, path)
    saved = torch.load(path, weights_only=True)
    loaded = CACEBackbone(**saved["config"])
    loaded.load_state_dict(saved["state_dict"])
    positions, numbers, cell = structure(14)
    a = model(positions.float(), numbers, cell.float())
    b = loaded(positions.float(), numbers, cell.float())
    assert torch.equal(a["features"], b["features"]) and torch.equal(a["atom_energy"], b["atom_energy"])
    assert loaded.config == model.config


@pytest.mark.parametrize("nu_max, l_max", [(1, 3), (2, 2), (3, 3)])
def test_feature_count(nu_max, l_max):
    model = make_model(nu_max=nu_max, l_max=l_max, n_channels=5)
    positions, numbers, cell = structure(15, 10)
    assert model(positions, numbers, cell)["features"].shape == (10, model.n_features)


def test_unknown_element_raises(model):
    positions, numbers, cell = structure(16, 10)
    for z in (6, 92):
        numbers[0] = z
        with pytest.raises(ValueError, match="unknown atomic numbers"):
            model(positions, numbers, cell)


def test_empty_neighbourhood_gives_finite_features(model):
    positions = torch.tensor([[0.0, 0.0, 0.0], [20.0, 0.0, 0.0]], dtype=torch.float64)
    out = model(positions, torch.tensor([1, 8]), None)
    assert torch.all(out["features"] == 0) and np.isfinite(out["atom_energy"].detach().numpy()).all()
