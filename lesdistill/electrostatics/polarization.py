r"""Polarization and Born effective charges (BEC) from latent charges, open and periodic.

Open boundaries: P = √ε∞ Σ_i q̃_i r_i (e·Å, Cartesian).
Periodic: P_a = √ε∞ (1/(2πi)) Σ_i q̃_i exp(i2π s_ia) per lattice direction a, s = r·cell⁻¹ (e).
q̃ = q − mean(q) per structure when ``remove_mean``. The BEC is Z*_i[α, β] = ∂P_α/∂r_iβ
(polarization index first), so dP/dt = Σ_i Z*_i v_i. In periodic cells the complex Jacobian
J_iaβ = ∂P_a/∂r_iβ is dephased per atom, Re[J_iaβ·conj(exp(i2π s_ia))], and projected to Cartesian
with the lattice vectors, Z*_iαβ = Σ_a cell[a, α]·Zb_iaβ. For fixed charges this gives Z*_i = q̃_i·I
exactly in any cell. Charges may depend on positions through autograd (charge flux terms).

The dipole current J = Σ_i Z*_i v_i does not need the (N, 3, 3) tensors. Dephasing per atom gives
Z*_iαβ = q̃_i δ_αβ + Σ_a cell[a, α]/(2π) Σ_j ∂q̃_j/∂r_iβ sin(θ_ja − θ_ia), so atom i contributes

    c_i = q̃_i v_i + Σ_a cell[a]/(2π) · [cos θ_ia (v_i·G^s_a,i) − sin θ_ia (v_i·G^c_a,i)],

with G^s_a = ∂(Σ_j sin θ_ja q̃_j)/∂r and G^c_a = ∂(Σ_j cos θ_ja q̃_j)/∂r taken at fixed θ: six
vector-Jacobian products of the charge model (open boundaries: c_i = q̃_i v_i + Σ_α e_α v_i·G_α,i
with G_α = ∂(Σ_j r_jα q̃_j)/∂r at fixed r_j, three products). The per-atom c_i sum to J and give
the current of any group of atoms, e.g. a hydronium core or a water layer, without extra passes.
"""

from __future__ import annotations

import math

import torch

from .inputs import check_inputs, check_positions


def _centred_charges(charges: torch.Tensor, batch: torch.Tensor, n_structures: int, remove_mean: bool) -> torch.Tensor:
    """(N,) charges minus their per-structure mean when ``remove_mean``."""
    if not remove_mean:
        return charges
    totals = charges.new_zeros(n_structures).index_add(0, batch, charges)
    counts = torch.bincount(batch, minlength=n_structures).to(charges.dtype)
    return charges - (totals / counts.clamp(min=1))[batch]


def _prepare(positions, cell, charges, batch):
    flat = check_inputs(positions, cell, charges, batch)
    if flat.charges.shape[1] != 1:
        raise ValueError(f"charges must have one channel for the polarization, got {flat.charges.shape[1]}")
    return flat.positions, flat.charges[:, 0], flat.batch, flat.cells, flat.periodic


def _polarization_terms(positions, charges, batch, cells, periodic, remove_mean):
    """Per-atom terms whose sums over a structure give Re P and Im P, both (N, 3).

    Open atoms: Re = q̃ r, Im = 0 (Cartesian). Periodic atoms: Re = q̃ sin θ/(2π),
    Im = −q̃ cos θ/(2π) with θ = 2π s (lattice directions). Also returns θ (N, 3).
    """
    q = _centred_charges(charges, batch, cells.shape[0], remove_mean)[:, None]
    inverse = torch.linalg.inv(torch.where(periodic[:, None, None], cells, torch.eye(3, dtype=cells.dtype, device=cells.device)))
    theta = 2.0 * math.pi * torch.einsum("nb,nba->na", positions, inverse[batch])
    atom_periodic = periodic[batch][:, None]
    real = torch.where(atom_periodic, q * torch.sin(theta) / (2.0 * math.pi), q * positions)
    imag = torch.where(atom_periodic, -q * torch.cos(theta) / (2.0 * math.pi), torch.zeros_like(positions))
    return real, imag, theta


def polarization(positions, cell, charges, *, batch=None, epsilon_inf: float = 1.0, remove_mean: bool = True) -> torch.Tensor:
    """Polarization of each structure, (3,) or (B, 3) with ``batch``.

    Open structures: real Cartesian dipole in e·Å. Periodic structures: the complex per-lattice-
    direction polarization P_a in e (its phase, not a Cartesian vector). A batch that mixes open and
    periodic structures returns complex values throughout (imaginary part zero for open ones).
    """
    positions, charges, batch_index, cells, periodic = _prepare(positions, cell, charges, batch)
    real, imag, _ = _polarization_terms(positions, charges, batch_index, cells, periodic, remove_mean)
    n_structures = cells.shape[0]
    scale = math.sqrt(epsilon_inf)
    p_real = scale * positions.new_zeros(n_structures, 3).index_add(0, batch_index, real)
    result = p_real
    if bool(periodic.any()):
        p_imag = scale * positions.new_zeros(n_structures, 3).index_add(0, batch_index, imag)
        result = torch.complex(p_real, p_imag)
    return result if batch is not None else result[0]


def born_effective_charges(
    positions,
    cell,
    charges,
    epsilon_inf: float = 1.0,
    remove_mean: bool = True,
    *,
    batch=None,
    create_graph: bool = False,
) -> torch.Tensor:
    """Born effective charges Z*[i, α, β] = ∂P_α/∂r_iβ in e, shape (N, 3, 3).

    ``charges`` (N,) may be a function of ``positions`` (which must then require grad); otherwise
    they are treated as fixed. ``epsilon_inf`` scales by √ε∞ (the physical BEC of LES charges).
    ``batch`` (N,) with ``cell`` (B, 3, 3) handles many structures in one set of backward passes
    (3 for open, 6 for periodic). ``create_graph`` keeps the result differentiable.
    """
    if not isinstance(positions, torch.Tensor) or not positions.requires_grad:
        positions = check_positions(positions).detach().requires_grad_(True)
    positions, charges, batch_index, cells, periodic = _prepare(positions, cell, charges, batch)
    real, imag, theta = _polarization_terms(positions, charges, batch_index, cells, periodic, remove_mean)
    any_periodic = bool(periodic.any())
    outputs = [real[:, a].sum() for a in range(3)]
    if any_periodic:
        outputs += [imag[:, a].sum() for a in range(3)]
    rows = []
    for i, out in enumerate(outputs):
        keep = create_graph or i < len(outputs) - 1
        (grad,) = torch.autograd.grad(out, positions, retain_graph=keep, create_graph=create_graph)
        rows.append(grad)
    jac_real = torch.stack(rows[:3], dim=1)  # (N, 3 (a or α), 3 (β))
    bec = jac_real
    if any_periodic:
        jac_imag = torch.stack(rows[3:], dim=1)
        dephased = jac_real * torch.cos(theta)[:, :, None] + jac_imag * torch.sin(theta)[:, :, None]
        cartesian = torch.einsum("nac,nab->ncb", cells[batch_index], dephased)
        bec = torch.where(periodic[batch_index][:, None, None], cartesian, jac_real)
    bec = math.sqrt(epsilon_inf) * bec
    return bec if create_graph else bec.detach()


def current_contributions(positions, cell, charges, velocities, epsilon_inf: float = 1.0, remove_mean: bool = True,
                          *, batch=None) -> torch.Tensor:
    """Per-atom contributions c_i = Z*_i v_i (N, 3) in e·Å/fs to the dipole current, without BEC tensors.

    ``positions`` (N, 3) Å must require grad and ``charges`` (N,) depend on them through autograd
    (fixed charges give c_i = q̃_i v_i); ``velocities`` (N, 3) Å/fs; ``cell``/``batch`` as for
    :func:`born_effective_charges`. Equal to ``einsum('nab,nb->na', born_effective_charges(...), v)``.
    """
    if not isinstance(positions, torch.Tensor) or not positions.requires_grad:
        raise ValueError("positions must be a tensor that requires grad, with charges computed from it")
    positions, charges, batch_index, cells, periodic = _prepare(positions, cell, charges, batch)
    velocities = torch.as_tensor(velocities, dtype=positions.dtype, device=positions.device)
    if velocities.shape != positions.shape:
        raise ValueError(f"velocities must have the shape of positions {tuple(positions.shape)}, got "
                         f"{tuple(velocities.shape)}")
    q = _centred_charges(charges, batch_index, cells.shape[0], remove_mean)
    fixed = q.detach()[:, None] * velocities
    if not q.requires_grad:
        return math.sqrt(epsilon_inf) * fixed
    if bool(periodic.any()) and not bool(periodic.all()):
        raise ValueError("current_contributions needs all structures open or all periodic, not a mix")
    if bool(periodic.all()):
        inverse = torch.linalg.inv(cells)
        theta = 2.0 * math.pi * torch.einsum("nb,nba->na", positions.detach(), inverse[batch_index])
        weights = [w for a in range(3) for w in (torch.sin(theta[:, a]), torch.cos(theta[:, a]))]
    else:
        weights = [positions.detach()[:, a] for a in range(3)]
    products = []
    for k, weight in enumerate(weights):
        (gradient,) = torch.autograd.grad(q, positions, grad_outputs=weight, retain_graph=k < len(weights) - 1)
        products.append((gradient * velocities).sum(dim=1))
    if bool(periodic.all()):
        flux = torch.stack([(torch.cos(theta[:, a]) * products[2 * a] - torch.sin(theta[:, a]) * products[2 * a + 1])
                            / (2.0 * math.pi) for a in range(3)], dim=1)  # (N, a)
        flux = torch.einsum("na,nab->nb", flux, cells[batch_index])
    else:
        flux = torch.stack(products, dim=1)
    return math.sqrt(epsilon_inf) * (fixed + flux.detach())

