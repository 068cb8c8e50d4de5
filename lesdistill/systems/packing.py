"""Shared packing of rigid molecules into orthorhombic periodic cells (Å).

Molecules go one after another onto sites (a jittered lattice), each with a random orientation,
and a try is rejected when any atom comes closer than ``min_distance`` to an atom of an already
placed molecule or to a fixed obstacle atom (minimum image). Only sites within reach are compared
(a KD-tree over the sites, another over the obstacles), so packing is O(N).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.spatial import cKDTree

#: Fraction of extra sites in ``shuffled_sites``, so that crowded sites can be skipped.
SPARE_SITES = 0.05
#: Oxidation states used as formal per-atom charges (e); every molecule sums to its formal charge.
OXIDATION_STATES = {"H": 1, "O": -2, "Cl": -1, "Ti": 4}


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A uniformly random proper rotation matrix (3, 3)."""
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def grid_indices(shape: Sequence[int]) -> np.ndarray:
    """Integer indices (nx·ny·nz, 3) of a 3D grid, first axis slowest."""
    return np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), -1).reshape(-1, 3)


def grid_shape(lengths: Sequence[float], n_min: int) -> tuple[int, int, int]:
    """Grid counts per axis with at least ``n_min`` points and near-equal spacing over ``lengths`` (Å)."""
    lengths = np.asarray(lengths, dtype=float)
    spacing = (lengths.prod() / n_min) ** (1.0 / 3.0)
    shape = np.maximum(1, np.floor(lengths / spacing)).astype(int)
    while shape.prod() < n_min:
        shape[np.argmax(lengths / shape)] += 1
    return tuple(int(n) for n in shape)


def shuffled_sites(
    lengths: Sequence[float], n_molecules: int, rng: np.random.Generator, origin: Sequence[float] = (0.0, 0.0, 0.0)
) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centred grid sites (M, 3) Å in random order over the box ``lengths`` (Å) from ``origin``.

    Returns the sites and their spacing (3,) Å; M ≥ (1 + SPARE_SITES) · ``n_molecules``, with
    near-equal spacing along the three axes.
    """
    lengths = np.asarray(lengths, dtype=float)
    shape = grid_shape(lengths, math.ceil((1.0 + SPARE_SITES) * n_molecules))
    spacing = lengths / np.array(shape)
    sites = (grid_indices(shape) + 0.5) * spacing + np.asarray(origin, dtype=float)
    return sites[rng.permutation(len(sites))], spacing


def formal_charges(symbols: Sequence[str]) -> np.ndarray:
    """Oxidation-state charges (N,) in e for chemical ``symbols``."""
    return np.array([OXIDATION_STATES[symbol] for symbol in symbols], dtype=float)


def _wrap(points: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Points (M, 3) folded into [0, lengths) as the periodic KD-tree requires."""
    wrapped = np.mod(points, lengths)
    return np.where(wrapped >= lengths, wrapped - lengths, wrapped)


def _clear(molecule: np.ndarray, others: np.ndarray, lengths: np.ndarray, min_distance: float) -> bool:
    """Whether all minimum-image distances between ``molecule`` (n, 3) and ``others`` (m, 3) are ≥ min_distance."""
    delta = molecule[:, None, :] - others[None, :, :]
    delta -= lengths * np.round(delta / lengths)
    return bool(np.einsum("ijk,ijk->ij", delta, delta).min() >= min_distance**2)


def pack_molecules(
    templates: Sequence[np.ndarray],
    sites: np.ndarray,
    spacing: float | np.ndarray,
    lengths: Sequence[float],
    rng: np.random.Generator,
    *,
    min_distance: float,
    max_tries: int,
    failure: str,
    jitter: float = 0.1,
    obstacles: np.ndarray | None = None,
) -> np.ndarray:
    """Positions (Σ n_i, 3) Å of the molecules ``templates[i]`` (n_i, 3), placed in order onto ``sites``.

    ``templates`` are coordinates relative to the rotation centre; ``sites`` (M, 3) are tried in the
    given order, each try at ``site + U(-jitter, jitter)³ · spacing`` (``spacing`` Å, scalar or per
    axis) with a new random orientation. A site that fails ``max_tries`` times is skipped; when the
    sites run out a ValueError with the message ``failure`` is raised. ``lengths`` are the edges of
    the orthorhombic periodic cell; ``obstacles`` (K, 3) are fixed atoms to keep clear of.
    """
    lengths = np.asarray(lengths, dtype=float)
    offset = np.linalg.norm(jitter * np.broadcast_to(spacing, 3))
    radius = max(float(np.linalg.norm(t, axis=1).max()) for t in templates)
    reach = min_distance + 2.0 * (offset + radius)
    wrapped_sites = _wrap(sites, lengths)
    neighbours = cKDTree(wrapped_sites, boxsize=lengths).query_ball_point(wrapped_sites, r=reach)
    blocked = None
    if obstacles is not None and len(obstacles):
        blocked = cKDTree(_wrap(obstacles, lengths), boxsize=lengths)
    placed: dict[int, np.ndarray] = {}
    free_sites = iter(range(len(sites)))
    for template in templates:
        for index in free_sites:
            near = [placed[j] for j in neighbours[index] if j in placed]
            others = np.concatenate(near) if near else None
            for _ in range(max_tries):
                centre = sites[index] + rng.uniform(-jitter, jitter, size=3) * spacing
                molecule = centre + template @ random_rotation(rng).T
                if others is not None and not _clear(molecule, others, lengths, min_distance):
                    continue
                if blocked is not None:
                    nearest, _ = blocked.query(_wrap(molecule, lengths), distance_upper_bound=min_distance)
                    if nearest.min() < min_distance:
                        continue
                placed[index] = molecule
                break
            if index in placed:
                break
        else:
            raise ValueError(failure)
    return np.concatenate(list(placed.values()))
