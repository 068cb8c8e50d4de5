"""Per-frame atom groupings for decomposing the dipole current, and water density profiles.

The dipole current J = Σ_i Z*_i v_i splits into group contributions J_g = Σ_{i∈g} Z*_i v_i; the
functions here return an integer label per atom (one frame) from which the caller sums J_g.

- Concentrated HCl (:func:`hcl_groups`): hydronium cores (H3O⁺), first-shell water around them,
  bulk water and chloride.
- Anatase TiO2(101)–water (:func:`water_layer_groups`): the slab, water layers by the O distance
  from the nearest surface, and bulk water; :func:`water_density_profile` gives ρ(distance).

Conventions: ASE units (Å, e). ``positions`` (N, 3) Å, ``cell`` (3, 3) with rows the lattice
vectors (fully periodic, any triclinic cell) or ``None`` for open boundaries, ``numbers`` (N,)
atomic numbers. Distances are minimum-image distances: fractional differences are wrapped to
[−½, ½) and, for non-orthogonal cells, the 27 neighbouring images are searched as well (exact for
all but pathologically skewed cells). Memory is bounded by processing pairs in chunks.
"""

from __future__ import annotations

import itertools

import numpy as np

from .systems.water import WATER_MOLAR_MASS

#: Names of the :func:`hcl_groups` labels, in label order (label k ↔ ``HCL_GROUPS[k]``).
HCL_GROUPS = ("hydronium", "first_shell", "bulk_water", "chloride")
#: Names of the :func:`hcl_complex_groups` labels (the paper's: core, complex, the rest).
HCL_COMPLEX_GROUPS = ("hydronium", "complex", "bulk")
#: The decompositions of the dipole current (lesdistill.response.decomposition): molecule-wise HCl
#: groups, the paper's atom-wise HCl complex, TiO2–water layers.
DECOMPOSITIONS = ("hcl", "hcl-complex", "water-layers")
#: Layer boundaries (Å) of the water O distance from the nearest TiO2(101) surface plane.
WATER_LAYER_CUTS = (1.725, 3.725, 6.025)
#: Surface planes of a slab: the mean height of its outermost layer (the paper's), or its outermost atom.
SURFACES = ("mean-layer", "outermost")
#: Which atoms are the slab in a trajectory: found on the first frame and kept (the paper's), or on every frame.
SLAB_CHOICES = ("first-frame", "per-frame")
#: Thickness (Å) of the outermost slab layer whose mean height is the "mean-layer" surface plane.
SURFACE_LAYER_A = 1.0
#: An O atom with at least 2 H within this distance (Å) is a water oxygen (slab detection).
WATER_OH_CUTOFF = 1.25
#: Number of surfaces of a periodic slab (water above the top and, through the boundary, below the bottom).
N_SURFACES = 2

_H, _O, _CL = 1, 8, 17
_AVOGADRO = 6.02214076e23
_PAIR_CHUNK = 2_000_000  # pair-distance elements per chunk


# ---------------------------------------------------------------- validation and geometry


def _check_numbers(numbers, n_atoms: int | None = None) -> np.ndarray:
    numbers = np.asarray(numbers)
    if numbers.ndim != 1 or not np.issubdtype(numbers.dtype, np.integer):
        raise ValueError(f"numbers must be a 1-D integer array of atomic numbers, got shape {numbers.shape} "
                         f"and dtype {numbers.dtype}")
    if n_atoms is not None and len(numbers) != n_atoms:
        raise ValueError(f"numbers has {len(numbers)} entries but positions has {n_atoms} atoms")
    return numbers.astype(np.int64)


def _check_cell(cell, required: bool = False, frames: int | None = None) -> np.ndarray | None:
    """None or a (3, 3) float array; with ``frames``, (3, 3) or (frames, 3, 3) → (frames, 3, 3)."""
    if cell is None:
        if required:
            raise ValueError("cell must be given (3, 3), rows = lattice vectors in Å: the slab needs periodic boundaries")
        return None
    cell = np.asarray(cell, dtype=float)
    shapes_ok = cell.shape == (3, 3) or (frames is not None and cell.shape == (frames, 3, 3))
    if not shapes_ok:
        expected = "(3, 3)" if frames is None else f"(3, 3) or ({frames}, 3, 3)"
        raise ValueError(f"cell must have shape {expected} (rows = lattice vectors, Å), got {cell.shape}")
    if not np.all(np.isfinite(cell)):
        raise ValueError("cell must be finite")
    volumes = np.abs(np.linalg.det(cell))
    scale = np.prod(np.linalg.norm(cell, axis=-1), axis=-1)
    if np.any(volumes <= 1e-10 * np.maximum(scale, 1e-300)):
        raise ValueError("cell is singular (zero volume): its rows must be three independent lattice vectors")
    if frames is not None and cell.ndim == 2:
        cell = np.broadcast_to(cell, (frames, 3, 3))
    return cell


def _check_positions(positions, allow_frames: bool = False) -> np.ndarray:
    positions = np.asarray(positions, dtype=float)
    ok = (positions.ndim == 2 or (allow_frames and positions.ndim == 3)) and positions.shape[-1] == 3
    if not ok:
        expected = "(N, 3) or (F, N, 3)" if allow_frames else "(N, 3)"
        raise ValueError(f"positions must have shape {expected} in Å, got {positions.shape}")
    if not np.all(np.isfinite(positions)):
        raise ValueError("positions must be finite")
    return positions


def _check_positive(name: str, value: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be positive and finite, got {value}")
    return value


def _is_orthogonal(cell: np.ndarray) -> bool:
    metric = cell @ cell.T
    norms = np.sqrt(np.diag(metric))
    off = metric - np.diag(np.diag(metric))
    return bool(np.all(np.abs(off) <= 1e-10 * np.outer(norms, norms)))


def pair_distances(a: np.ndarray, b: np.ndarray, cell: np.ndarray | None) -> np.ndarray:
    """Minimum-image distances (Na, Nb) in Å between positions ``a`` (Na, 3) and ``b`` (Nb, 3).

    ``cell`` (3, 3) rows = lattice vectors (periodic in all three directions) or ``None`` (open).
    """
    a = np.asarray(a, dtype=float).reshape(-1, 3)
    b = np.asarray(b, dtype=float).reshape(-1, 3)
    out = np.empty((len(a), len(b)))
    if len(a) == 0 or len(b) == 0:
        return out
    if cell is None:
        inverse = shifts = None
    else:
        inverse = np.linalg.inv(cell)
        if _is_orthogonal(cell):
            shifts = np.zeros((1, 3))
        else:
            shifts = np.array(list(itertools.product((-1, 0, 1), repeat=3)), dtype=float) @ cell
    per_row = len(b) * (1 if shifts is None else len(shifts))
    chunk = max(1, _PAIR_CHUNK // per_row)
    for start in range(0, len(a), chunk):
        diff = b[None, :, :] - a[start:start + chunk, None, :]
        if cell is not None:
            fractional = diff @ inverse
            diff = (fractional - np.round(fractional)) @ cell
            if len(shifts) > 1:
                out[start:start + chunk] = np.min(
                    np.linalg.norm(diff[:, :, None, :] + shifts[None, None, :, :], axis=-1), axis=-1)
                continue
        out[start:start + chunk] = np.linalg.norm(diff, axis=-1)
    return out


# ---------------------------------------------------------------- concentrated HCl


def excess_protons(numbers) -> int:
    """Number of excess protons (H3O⁺) of an HCl solution = number of Cl atoms (atomic number 17)."""
    return int(np.count_nonzero(_check_numbers(numbers) == _CL))


def identify_hydronium(positions, cell, numbers, n_protons: int, cutoff: float = 1.35) -> np.ndarray:
    """Atom indices (n_protons,) of the hydronium oxygens, ascending.

    Counts the H within ``cutoff`` Å (minimum image) of every O and takes the ``n_protons`` O with
    the most; ties are broken by the sum of the distances to the O's 3 closest H (shortest first),
    then by atom index. positions (N, 3) Å, cell (3, 3) or None, numbers (N,).
    """
    positions = _check_positions(positions)
    numbers = _check_numbers(numbers, len(positions))
    cell = _check_cell(cell)
    cutoff = _check_positive("cutoff", cutoff)
    oxygens = np.flatnonzero(numbers == _O)
    is_integer = isinstance(n_protons, (int, np.integer)) and not isinstance(n_protons, bool)
    if not (is_integer and 0 <= n_protons <= len(oxygens)):
        raise ValueError(f"n_protons must be an integer between 0 and the number of O atoms ({len(oxygens)}), "
                         f"got {n_protons!r}")
    if n_protons == 0:
        return np.zeros(0, dtype=np.int64)
    hydrogens = np.flatnonzero(numbers == _H)
    distances = pair_distances(positions[oxygens], positions[hydrogens], cell)
    counts = np.count_nonzero(distances < cutoff, axis=1)
    closest = np.sort(distances, axis=1)[:, :3].sum(axis=1) if len(hydrogens) else np.zeros(len(oxygens))
    order = np.lexsort((oxygens, closest, -counts))
    return np.sort(oxygens[order[:n_protons]])


def hcl_complex_groups(positions, cell, numbers, n_protons: int | None = None, core_cutoff: float = 1.35,
                       complex_cutoff: float = 3.0) -> np.ndarray:
    """The paper's HCl groups, label (N,) int64 with label k ``HCL_COMPLEX_GROUPS[k]``: 0 "hydronium" the
    cores of :func:`hcl_groups`; 1 "complex" every other atom (chloride included, atom by atom, not
    whole molecules) within ``complex_cutoff`` Å (minimum image) of a hydronium oxygen; 2 "bulk" the rest.
    positions (N, 3) Å, cell (3, 3) or None, numbers (N,)."""
    labels = hcl_groups(positions, cell, numbers, n_protons, core_cutoff)
    complex_cutoff = _check_positive("complex_cutoff", complex_cutoff)
    positions, cell, numbers = _check_positions(positions), _check_cell(cell), np.asarray(numbers)
    core = labels == HCL_GROUPS.index("hydronium")
    out = np.full(len(labels), HCL_COMPLEX_GROUPS.index("bulk"), dtype=np.int64)
    oxygens = np.flatnonzero(core & (numbers == _O))
    if len(oxygens):
        near = pair_distances(positions, positions[oxygens], cell).min(axis=1) < complex_cutoff
        out[near] = HCL_COMPLEX_GROUPS.index("complex")
    out[core] = HCL_COMPLEX_GROUPS.index("hydronium")
    return out


def hcl_groups(positions, cell, numbers, n_protons: int | None = None, core_cutoff: float = 1.35,
               shell_cutoff: float = 3.0) -> np.ndarray:
    """Group label (N,) int64 of every atom of an HCl solution; label k is ``HCL_GROUPS[k]``.

    0 "hydronium": each hydronium O (:func:`identify_hydronium` with ``core_cutoff`` Å) plus its 3
    closest H (assigned greedily, shortest O–H pair first, so no H is shared by two cores);
    1 "first_shell": whole water molecules whose O is within ``shell_cutoff`` Å (minimum image) of
    any hydronium O; 2 "bulk_water": the other water molecules; 3 "chloride": Cl atoms. A water
    molecule is a non-hydronium O plus every non-core H whose nearest non-hydronium O it is
    (normally 2). ``n_protons`` defaults to the number of Cl (:func:`excess_protons`). Only H, O and
    Cl are accepted. positions (N, 3) Å, cell (3, 3) or None, numbers (N,).
    """
    positions = _check_positions(positions)
    numbers = _check_numbers(numbers, len(positions))
    cell = _check_cell(cell)
    core_cutoff = _check_positive("core_cutoff", core_cutoff)
    shell_cutoff = _check_positive("shell_cutoff", shell_cutoff)
    unexpected = sorted(set(numbers.tolist()) - {_H, _O, _CL})
    if unexpected:
        raise ValueError(f"numbers may only hold H (1), O (8) and Cl (17) for hcl_groups, got atomic numbers {unexpected}")
    if n_protons is None:
        n_protons = excess_protons(numbers)
    hydronium = identify_hydronium(positions, cell, numbers, n_protons, cutoff=core_cutoff)
    hydrogens = np.flatnonzero(numbers == _H)
    if len(hydrogens) < 3 * len(hydronium):
        raise ValueError(f"numbers holds {len(hydrogens)} H, too few for n_protons={n_protons} hydronium cores (3 H each)")

    labels = np.full(len(numbers), -1, dtype=np.int64)
    labels[numbers == _CL] = HCL_GROUPS.index("chloride")
    labels[hydronium] = HCL_GROUPS.index("hydronium")
    free = np.ones(len(hydrogens), dtype=bool)
    if len(hydronium):
        core = pair_distances(positions[hydronium], positions[hydrogens], cell)
        taken = np.zeros(len(hydronium), dtype=np.int64)
        for flat in np.argsort(core, axis=None, kind="stable"):
            o, h = divmod(int(flat), len(hydrogens))
            if taken[o] < 3 and free[h]:
                taken[o] += 1
                free[h] = False
                labels[hydrogens[h]] = HCL_GROUPS.index("hydronium")
                if taken.sum() == 3 * len(hydronium):
                    break

    waters = np.setdiff1d(np.flatnonzero(numbers == _O), hydronium)
    remaining = hydrogens[free]
    if len(remaining) and not len(waters):
        raise ValueError(f"{len(remaining)} H are left after the hydronium cores but there is no water O to attach them to "
                         f"(n_protons={n_protons})")
    if len(waters):
        if len(hydronium):
            near = pair_distances(positions[waters], positions[hydronium], cell).min(axis=1) < shell_cutoff
        else:
            near = np.zeros(len(waters), dtype=bool)
        water_label = np.where(near, HCL_GROUPS.index("first_shell"), HCL_GROUPS.index("bulk_water"))
        labels[waters] = water_label
        if len(remaining):
            owner = np.argmin(pair_distances(positions[remaining], positions[waters], cell), axis=1)
            labels[remaining] = water_label[owner]
    assert np.all(labels >= 0)
    return labels


# ---------------------------------------------------------------- TiO2(101)–water interface


def _check_axis(axis) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or axis not in (0, 1, 2):
        raise ValueError(f"axis must be 0, 1 or 2 (the lattice vector crossing the slab), got {axis!r}")
    return int(axis)


def _check_slab_mask(slab_mask, n_atoms: int) -> np.ndarray | None:
    if slab_mask is None:
        return None
    mask = np.asarray(slab_mask)
    if mask.shape != (n_atoms,) or mask.dtype != bool:
        raise ValueError(f"slab_mask must be a boolean array of shape ({n_atoms},), got shape {mask.shape} "
                         f"and dtype {mask.dtype}")
    if not mask.any():
        raise ValueError("slab_mask marks no atom: the slab must hold at least one atom")
    return mask


def _slab_and_owners(positions: np.ndarray, cell: np.ndarray, numbers: np.ndarray,
                     slab_mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(slab (N,) bool, owner (N,) int): owner[i] is the atom whose height labels atom i.

    Slab (no ``slab_mask``): every atom that is neither H nor O (Ti, …) plus the O atoms with fewer
    than 2 H within ``WATER_OH_CUTOFF`` Å. Each H not in the slab mask takes the label of its
    nearest O (so a surface hydroxyl H is slab, a water H follows its O); other atoms own themselves.
    """
    n_atoms = len(numbers)
    oxygens = np.flatnonzero(numbers == _O)
    hydrogens = np.flatnonzero(numbers == _H)
    oh = pair_distances(positions[oxygens], positions[hydrogens], cell) if len(oxygens) and len(hydrogens) else None
    if slab_mask is None:
        slab = (numbers != _H) & (numbers != _O)
        n_h = np.count_nonzero(oh < WATER_OH_CUTOFF, axis=1) if oh is not None else np.zeros(len(oxygens), int)
        slab[oxygens[n_h < 2]] = True
        if not slab.any():
            raise ValueError("no slab atom found (no Ti and no O with fewer than 2 H within "
                             f"{WATER_OH_CUTOFF} Å); pass slab_mask")
    else:
        slab = slab_mask.copy()
    owner = np.arange(n_atoms)
    if oh is not None:
        nearest = oxygens[np.argmin(oh, axis=0)]
        owner[hydrogens] = nearest
    elif len(hydrogens):
        raise ValueError("numbers holds H but no O: cannot attach the H atoms to water molecules")
    if slab_mask is not None:
        owner[slab_mask] = np.flatnonzero(slab_mask)  # masked atoms stay slab
    slab = slab[owner] | slab
    return slab, owner


def slab_atoms(positions, cell, numbers) -> np.ndarray:
    """(N,) bool: the slab atoms of one frame (Ti and every O with fewer than 2 H within
    :data:`WATER_OH_CUTOFF` Å, and the H of those O), e.g. from the first frame of a trajectory, to be
    kept as ``slab_mask`` for every frame (as the paper does) instead of being found again per frame."""
    positions = _check_positions(positions)
    numbers = _check_numbers(numbers, len(positions))
    return _slab_and_owners(positions, _check_cell(cell, required=True), numbers, None)[0]


def _plane_atoms(slab: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """Slab atoms that define the surface planes: the non-H ones (all slab atoms if the slab is only H)."""
    heavy = slab & (numbers != _H)
    return heavy if heavy.any() else slab


def _surface_distances(positions: np.ndarray, cell: np.ndarray, slab: np.ndarray, axis: int,
                       surface: str = "outermost", layer_width: float = SURFACE_LAYER_A) -> tuple[np.ndarray, float]:
    """Distance (N,) Å of every atom along the slab normal from the nearest surface plane, and the area (Å²).

    The normal is perpendicular to the two lattice vectors other than ``axis``; heights along it
    are periodic with period V/area. ``slab`` (N,) marks the atoms defining the slab (no H: a
    hydroxyl H must not move the plane). The slab's extent is the complement of the widest empty
    interval between their heights (the water gap). The surface plane on each side of the gap is,
    with ``surface="outermost"``, the outermost slab atom (Ti or O); with ``"mean-layer"``, the mean
    height of the outermost layer: the slab atoms within ``layer_width`` Å of the outermost one.
    Atoms between the two planes through the slab get 0.
    """
    others = [k for k in range(3) if k != axis]
    area = float(np.linalg.norm(np.cross(cell[others[0]], cell[others[1]])))
    period = abs(float(np.linalg.det(cell))) / area
    heights = np.mod((positions @ np.linalg.inv(cell))[:, axis], 1.0) * period
    planes = np.sort(heights[slab])
    gaps = np.diff(np.append(planes, planes[0] + period))
    widest = int(np.argmax(gaps))
    top, gap = planes[widest], gaps[widest]
    if surface == "mean-layer":
        depth_top = np.mod(top - planes, period)  # depth of each slab atom below the top surface
        depth_bottom = np.mod(planes - (top + gap), period)  # height above the bottom surface
        sink_top = depth_top[depth_top <= layer_width].mean()
        sink_bottom = depth_bottom[depth_bottom <= layer_width].mean()
        top, gap = top - sink_top, gap + sink_top + sink_bottom
    elif surface != "outermost":
        raise ValueError(f"surface must be one of {', '.join(SURFACES)}, got {surface!r}")
    above = np.mod(heights - top, period)  # distance above the top surface
    inside_gap = above <= gap
    distance = np.where(inside_gap, np.minimum(above, gap - above), 0.0)
    return np.clip(distance, 0.0, None), area


def water_layer_groups(positions, cell, numbers, cuts=WATER_LAYER_CUTS, axis: int = 2,
                       slab_mask=None, surface: str = "outermost") -> tuple[np.ndarray, tuple[str, ...]]:
    """(labels (N,) int64, names) for a periodic slab in water; label k is ``names[k]``.

    names = ("slab", "layer_1", …, "layer_<len(cuts)>", "bulk"). Water O at distance d (Å) from the
    nearest surface plane get layer k for cuts[k−2] ≤ d < cuts[k−1] (layer_1 from 0, bulk for
    d ≥ cuts[−1]); every H takes the label of its nearest O, so whole water molecules share the
    label of their O. The surface plane on each side of the slab is the outermost slab atom (Ti or
    slab O) along the normal — for anatase (101) the 2-fold bridging O — or, with
    ``surface="mean-layer"``, the mean height of the outermost slab layer (atoms within
    :data:`SURFACE_LAYER_A` Å of the outermost one). Both interfaces count:
    water above the top surface and, through the periodic boundary, below the bottom surface.

    ``axis``: the lattice vector crossing the slab (the normal is perpendicular to the other two).
    ``slab_mask`` (N,) bool marks slab atoms; if None the slab is Ti (any non-H, non-O atom) plus
    every O with fewer than 2 H within 1.25 Å. Either way an H whose nearest O is a slab O (a
    surface hydroxyl) is labelled slab too; other non-slab atoms (ions) are placed by their own
    distance. Atoms inside the slab's extent along the normal have distance 0.
    positions (N, 3) Å, cell (3, 3) required (periodic), numbers (N,).
    """
    positions = _check_positions(positions)
    numbers = _check_numbers(numbers, len(positions))
    cell = _check_cell(cell, required=True)
    axis = _check_axis(axis)
    cuts = np.asarray(cuts, dtype=float)
    if cuts.ndim != 1 or len(cuts) < 1 or not np.all(np.isfinite(cuts)):
        raise ValueError(f"cuts must be a non-empty 1-D sequence of distances in Å, got {cuts.tolist()}")
    if cuts[0] <= 0 or np.any(np.diff(cuts) <= 0):
        raise ValueError(f"cuts must be positive and strictly increasing (Å), got {cuts.tolist()}")
    slab_mask = _check_slab_mask(slab_mask, len(numbers))
    slab, owner = _slab_and_owners(positions, cell, numbers, slab_mask)
    distance, _ = _surface_distances(positions, cell, _plane_atoms(slab, numbers), axis, surface)
    layer = 1 + np.searchsorted(cuts, distance[owner], side="right")
    labels = np.where(slab, 0, layer).astype(np.int64)
    names = ("slab", *(f"layer_{k + 1}" for k in range(len(cuts))), "bulk")
    return labels, names


def water_density_profile(positions, cell, numbers, axis: int = 2, bin_width: float = 0.1,
                          slab_mask=None, surface: str = "outermost") -> tuple[np.ndarray, np.ndarray]:
    """(distance (B,) Å bin centres, density (B,) g/cm³) of water vs distance from the nearest surface.

    Each water molecule (a non-slab O; slab as in :func:`water_layer_groups`) counts the mass of
    O + 2 H (18.015 g/mol) at its O's distance from the nearest surface plane. Bins of
    ``bin_width`` Å run from 0 past the largest distance present; the count in a bin is divided by
    the lateral area (|a×b| for axis 2) × bin_width × 2 surfaces, so Σ density · bin_width · area
    · 2 / m_H2O = number of water molecules. positions (N, 3) or (F, N, 3) (averaged over frames),
    cell (3, 3) or (F, 3, 3), numbers (N,); ``surface`` as in :func:`water_layer_groups`.
    """
    positions = _check_positions(positions, allow_frames=True)
    frames = positions if positions.ndim == 3 else positions[None]
    numbers = _check_numbers(numbers, frames.shape[1])
    cells = _check_cell(cell, required=True, frames=len(frames))
    axis = _check_axis(axis)
    bin_width = _check_positive("bin_width", bin_width)
    slab_mask = _check_slab_mask(slab_mask, len(numbers))
    if len(frames) == 0:
        raise ValueError("positions holds no frame")
    per_frame = []
    for frame, frame_cell in zip(frames, cells):
        slab, _ = _slab_and_owners(frame, frame_cell, numbers, slab_mask)
        distance, area = _surface_distances(frame, frame_cell, _plane_atoms(slab, numbers), axis, surface)
        per_frame.append((distance[(numbers == _O) & ~slab], area))
    largest = max((d.max() for d, _ in per_frame if len(d)), default=0.0)
    n_bins = int(np.floor(largest / bin_width)) + 1
    edges = np.arange(n_bins + 1) * bin_width
    grams = WATER_MOLAR_MASS / _AVOGADRO
    density = np.zeros(n_bins)
    for distance, area in per_frame:
        counts, _ = np.histogram(distance, bins=edges)
        density += counts * grams / (area * bin_width * N_SURFACES * 1e-24)
    return edges[:-1] + bin_width / 2, density / len(per_frame)
