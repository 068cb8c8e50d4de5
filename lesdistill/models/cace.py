r"""Strictly local Cartesian atomic-cluster-expansion backbone (no message passing).

For every centre atom i and neighbour j within the cutoff r_c (unit vector u = r_ij/r_ij):

.. math::
    R_{ij,c,l} = \sum_{n,e,e'} W_{(n,e,e'),(c,l)}\, g_n(r_{ij})\, h_{Z_i,e}\, h_{Z_j,e'},\qquad
    g_n(r) = \sqrt{2/r_c}\,\frac{\sin(w_n r)}{r}\, f_{\rm cut}(r),

    A_{i,c,(abc)} = \frac{1}{\bar n}\sum_j R_{ij,c,l}\; u_x^a u_y^b u_z^c,\qquad a+b+c=l\le l_{\max}.

``h`` are learnable element embeddings (the chemical weight of an edge is the outer product of the
centre's and the neighbour's embedding, n_embed² channels, so the pair order matters), ``w_n`` are
trainable frequencies initialised at nπ/r_c and ``f_cut`` is the p = 5 polynomial envelope. The
monomials of degree l are the independent entries of the symmetric Cartesian tensor
A_{i,c}^{(l)} = Σ_j R u^{⊗l}; expanding them back to full 3^l tensors (each monomial repeated
l!/(a!b!c!) times) makes every full index contraction invariant under O(3). Invariants per channel
c (same c in every factor):

- ν = 1: A^{(0)};
- ν = 2: A^{(l)}·A^{(l)} = Σ_{abc} l!/(a!b!c!) A_{(abc)}², l = 0…l_max;
- ν = 3: for every l1 ≤ l2 ≤ l3 ≤ l_max with l1+l2+l3 even and l3 ≤ l1+l2, the unique full
  contraction of A^{(l1)} A^{(l2)} A^{(l3)} with k12 = (l1+l2−l3)/2 indices shared by the first two
  factors, k13 = (l1+l3−l2)/2 by the first and third, k23 = (l2+l3−l1)/2 by the last two
  (e.g. (1,1,2): u·T·v, (2,2,2): tr(T³)). Self-contractions are left out: a trace of A^{(l)} is
  A^{(l−2)} with a different radial function, because u·u = 1.

All invariants are even under inversion (no Levi-Civita), so mirror images share features. The sum
over neighbours is a batched matrix product over zero-padded neighbour slots (edge tensors stay
(M, C·(l_max+1)) and (M, K) instead of (M, C, K)).
"""

from __future__ import annotations

import itertools
import math
import string
from collections.abc import Sequence

import torch
from torch import nn

from .neighbors import neighbor_list


def polynomial_cutoff(r: torch.Tensor, cutoff: float, p: int = 5) -> torch.Tensor:
    """Envelope 1 at r = 0, with value and first two derivatives zero at r = cutoff (r in Å, any shape)."""
    x = r / cutoff
    envelope = (1.0 - 0.5 * (p + 1) * (p + 2) * x**p + p * (p + 2) * x ** (p + 1)
                - 0.5 * p * (p + 1) * x ** (p + 2))
    return torch.where(x < 1.0, envelope, torch.zeros_like(envelope))


class BesselBasis(nn.Module):
    """sqrt(2/r_c) sin(w_n r)/r · f_cut(r), n = 1…n_radial, w_n trainable from nπ/r_c: (M,) Å → (M, n_radial)."""

    def __init__(self, cutoff: float, n_radial: int):
        super().__init__()
        self.cutoff = cutoff
        self.frequencies = nn.Parameter(torch.arange(1, n_radial + 1, dtype=torch.get_default_dtype()) * math.pi / cutoff)

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        r = r[:, None]
        prefactor = math.sqrt(2.0 / self.cutoff)
        return prefactor * torch.sin(self.frequencies * r) / r * polynomial_cutoff(r, self.cutoff)


def monomial_exponents(l_max: int) -> list[tuple[int, int, int]]:
    """Exponents (a, b, c) of all monomials u_x^a u_y^b u_z^c, ordered by l = a+b+c then lexicographically."""
    return [(a, b, l - a - b) for l in range(l_max + 1) for a in range(l, -1, -1) for b in range(l - a, -1, -1)]


def invariant_triples(l_max: int) -> list[tuple[int, int, int]]:
    """(l1, l2, l3), l1 ≤ l2 ≤ l3 ≤ l_max, with an even sum and l3 ≤ l1 + l2: the ν = 3 contractions."""
    return [t for t in itertools.combinations_with_replacement(range(l_max + 1), 3)
            if sum(t) % 2 == 0 and t[2] <= t[0] + t[1]]


def _triple_equation(l1: int, l2: int, l3: int) -> str:
    """einsum equation contracting full tensors (N, C, 3^l1), (N, C, 3^l2), (N, C, 3^l3) → (N, C)."""
    k12, k13, k23 = (l1 + l2 - l3) // 2, (l1 + l3 - l2) // 2, (l2 + l3 - l1) // 2
    letters = iter(string.ascii_lowercase.replace("n", "").replace("c", ""))
    s12, s13, s23 = ("".join(next(letters) for _ in range(k)) for k in (k12, k13, k23))
    return f"nc{s12}{s13},nc{s12}{s23},nc{s13}{s23}->nc"


class CACEBackbone(nn.Module):
    """Per-atom invariant features (N, F) and short-range energies (N,) in eV from a local Cartesian ACE.

    ``atomic_numbers`` lists the elements the model knows; ``cutoff`` in Å; ``n_radial`` Bessel
    functions; ``n_embed`` channels per element; ``n_channels`` radial channels per l; angular
    order up to ``l_max``; body order up to ``nu_max`` (1, 2 or 3); ``mlp`` hidden sizes of the SiLU
    energy readout; ``avg_neighbors`` divides the atomic basis A (fixed, e.g. the mean neighbour count).
    Build from a saved ``config`` with ``CACEBackbone(**config)``.
    """

    def __init__(
        self,
        atomic_numbers: Sequence[int],
        cutoff: float = 5.5,
        n_radial: int = 6,
        n_embed: int = 3,
        n_channels: int = 12,
        l_max: int = 3,
        nu_max: int = 3,
        mlp: Sequence[int] = (32, 16),
        avg_neighbors: float = 1.0,
    ):
        super().__init__()
        if nu_max not in (1, 2, 3):
            raise ValueError(f"nu_max must be 1, 2 or 3, got {nu_max}")
        self._config = {"atomic_numbers": [int(z) for z in atomic_numbers], "cutoff": float(cutoff),
                        "n_radial": int(n_radial), "n_embed": int(n_embed), "n_channels": int(n_channels),
                        "l_max": int(l_max), "nu_max": int(nu_max), "mlp": [int(h) for h in mlp],
                        "avg_neighbors": float(avg_neighbors)}
        self.cutoff, self.l_max, self.nu_max, self.n_channels = float(cutoff), int(l_max), int(nu_max), int(n_channels)
        self.avg_neighbors = float(avg_neighbors)
        species = torch.full((max(self._config["atomic_numbers"]) + 1,), -1, dtype=torch.long)
        species[self._config["atomic_numbers"]] = torch.arange(len(atomic_numbers))
        self.register_buffer("species_index", species, persistent=False)
        self.embedding = nn.Embedding(len(atomic_numbers), n_embed)
        self.radial = BesselBasis(self.cutoff, n_radial)
        self.mixing = nn.Linear(n_radial * n_embed * n_embed, n_channels * (l_max + 1), bias=False)
        exponents = monomial_exponents(l_max)
        self.register_buffer("exponents", torch.tensor(exponents, dtype=torch.long), persistent=False)
        self.register_buffer("monomial_l", self.exponents.sum(1), persistent=False)
        self.register_buffer("monomial_index", torch.arange(len(exponents)), persistent=False)
        offsets = [0]
        for l in range(l_max + 1):
            offsets.append(offsets[-1] + (l + 1) * (l + 2) // 2)
        self._offsets = offsets
        for l in range(l_max + 1):
            # full-tensor index (i1…il) → position of its monomial among the degree-l monomials
            position = {e: k for k, e in enumerate(exponents[offsets[l]:offsets[l + 1]])}
            full = [position[tuple(idx.count(axis) for axis in range(3))] for idx in itertools.product(range(3), repeat=l)]
            self.register_buffer(f"full_index_{l}", torch.tensor(full, dtype=torch.long), persistent=False)
        self.triples = invariant_triples(l_max) if nu_max >= 3 else []
        self._equations = [_triple_equation(*t) for t in self.triples]
        self.n_features = n_channels * (1 + (l_max + 1 if nu_max >= 2 else 0) + len(self.triples))
        layers: list[nn.Module] = []
        width = self.n_features
        for hidden in mlp:
            layers += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        layers.append(nn.Linear(width, 1, bias=False))
        self.readout = nn.Sequential(*layers)

    @property
    def config(self) -> dict:
        """The constructor arguments as plain Python types (for ``torch.save`` with weights_only loading)."""
        return {k: list(v) if isinstance(v, list) else v for k, v in self._config.items()}

    def angular(self, unit: torch.Tensor) -> torch.Tensor:
        """Monomials u_x^a u_y^b u_z^c of unit vectors (M, 3) → (M, K), K = Σ_l (l+1)(l+2)/2."""
        powers = [torch.ones_like(unit)]
        for _ in range(self.l_max):
            powers.append(powers[-1] * unit)
        powers = torch.stack(powers, dim=1)  # (M, l_max+1, 3)
        e = self.exponents
        return powers[:, e[:, 0], 0] * powers[:, e[:, 1], 1] * powers[:, e[:, 2], 2]

    def atomic_basis(self, numbers: torch.Tensor, i: torch.Tensor, j: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
        """A (N, C, K) from atomic numbers (N,) and pairs i, j (M,) with vectors r_ij (M, 3) in Å."""
        in_table = (numbers >= 0) & (numbers < len(self.species_index))
        species = torch.where(in_table, self.species_index[numbers.clamp(0, len(self.species_index) - 1)], -1)
        if bool((species < 0).any()):
            raise ValueError(f"unknown atomic numbers {sorted(set(numbers[species < 0].tolist()))}; "
                             f"the model knows {self._config['atomic_numbers']}")
        order = torch.argsort(i, stable=True)  # group pairs by centre
        i, j, vectors = i[order], j[order], vectors[order]
        r = torch.linalg.norm(vectors, dim=1)
        embedding = self.embedding(species)
        chemical = (embedding[i][:, :, None] * embedding[j][:, None, :]).flatten(1)
        edge = (self.radial(r)[:, :, None] * chemical[:, None, :]).flatten(1)
        radial, angular = self.mixing(edge), self.angular(vectors / r[:, None])
        # Σ_j over each centre's neighbours as one batched matrix product on zero-padded neighbour slots
        counts = torch.bincount(i, minlength=len(numbers))
        slots = torch.arange(len(i), device=i.device) - (torch.cumsum(counts, 0) - counts)[i]
        width = int(counts.max()) if len(i) else 0
        padded_radial = radial.new_zeros(len(numbers), width, radial.shape[1]).index_put((i, slots), radial)
        padded_angular = angular.new_zeros(len(numbers), width, angular.shape[1]).index_put((i, slots), angular)
        products = torch.bmm(padded_radial.transpose(1, 2), padded_angular)  # (N, C·(l_max+1), K)
        products = products.view(len(numbers), self.n_channels, self.l_max + 1, -1)
        return products[:, :, self.monomial_l, self.monomial_index] / self.avg_neighbors

    def invariants(self, basis: torch.Tensor) -> torch.Tensor:
        """Rotation-invariant features (N, F) from the atomic basis A (N, C, K), ordered ν = 1, 2, 3."""
        n, c = basis.shape[:2]
        full = [basis[:, :, self._offsets[l]:self._offsets[l + 1]][:, :, getattr(self, f"full_index_{l}")]
                for l in range(self.l_max + 1)]
        features = [full[0][:, :, 0]]
        if self.nu_max >= 2:
            features += [(t * t).sum(2) for t in full]
        for (l1, l2, l3), equation in zip(self.triples, self._equations):
            shaped = [full[l].view(n, c, *([3] * l)) for l in (l1, l2, l3)]
            features.append(torch.einsum(equation, *shaped))
        return torch.cat(features, dim=1)

    def forward(
        self,
        positions: torch.Tensor,
        numbers: torch.Tensor,
        cell: torch.Tensor | None,
        batch: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """positions (N, 3) Å, numbers (N,), cell (3, 3) or (B, 3, 3) with ``batch`` (N,), None/zero = open.

        Returns ``features`` (N, F) and ``atom_energy`` (N,) in eV (without element reference energies).
        """
        i, j, vectors = neighbor_list(positions, cell, self.cutoff, batch)
        features = self.invariants(self.atomic_basis(numbers, i, j, vectors))
        return {"features": features, "atom_energy": self.readout(features)[:, 0]}
