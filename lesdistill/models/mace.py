"""MACE backbone from mace-torch (the paper's MACELES students): short-range energy + invariant features.

The model is mace-torch's ``ScaleShiftMACE`` built from scratch (zero reference energies: the
student adds its own per-element E0s); the features for the charge head are the scalar (0e)
channels of the node features after every interaction, as in MACELES. Edges come from
:func:`lesdistill.models.neighbors.neighbor_list` (vesin), passed to MACE as sender/receiver indices
and differentiable Cartesian shifts, so forces and stress come from autograd through the student.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..legacy_loading import pickle_loading_allowed
from .neighbors import neighbor_list


class MACEBackbone(nn.Module):
    """``forward(positions, numbers, cell, batch) → {features (N, interactions·channels), atom_energy (N,)}``."""

    def __init__(self, atomic_numbers: list[int], r_max: float = 4.5, num_interactions: int = 2, channels: int = 64,
                 max_L: int = 1, correlation: int = 2, max_ell: int = 3, num_bessel: int = 8,
                 num_polynomial_cutoff: int = 5, avg_num_neighbors: float = 10.0, mlp_channels: int = 16):
        super().__init__()
        with pickle_loading_allowed():
            from e3nn import o3
            from mace import modules
        self.config = {"atomic_numbers": list(atomic_numbers), "r_max": r_max, "num_interactions": num_interactions,
                       "channels": channels, "max_L": max_L, "correlation": correlation, "max_ell": max_ell,
                       "num_bessel": num_bessel, "num_polynomial_cutoff": num_polynomial_cutoff,
                       "avg_num_neighbors": avg_num_neighbors, "mlp_channels": mlp_channels}
        hidden = " + ".join(f"{channels}x{l}{'e' if l % 2 == 0 else 'o'}" for l in range(max_L + 1))
        block = modules.interaction_classes["RealAgnosticResidualInteractionBlock"]
        self.model = modules.ScaleShiftMACE(
            r_max=r_max, num_bessel=num_bessel, num_polynomial_cutoff=num_polynomial_cutoff, max_ell=max_ell,
            interaction_cls=block, interaction_cls_first=block, num_interactions=num_interactions,
            num_elements=len(atomic_numbers), hidden_irreps=o3.Irreps(hidden), MLP_irreps=o3.Irreps(f"{mlp_channels}x0e"),
            atomic_energies=np.zeros(len(atomic_numbers)), avg_num_neighbors=avg_num_neighbors,
            atomic_numbers=list(atomic_numbers), correlation=correlation, gate=torch.nn.functional.silu,
            atomic_inter_scale=1.0, atomic_inter_shift=0.0,
        )
        table = torch.full((119,), -1, dtype=torch.long)
        table[torch.tensor(atomic_numbers)] = torch.arange(len(atomic_numbers))
        self.register_buffer("element_index", table, persistent=False)
        widths = [o3.Irreps(hidden).dim] * (num_interactions - 1) + [channels]
        self.scalar_slices = [(sum(widths[:k]), channels) for k in range(num_interactions)]
        self.n_features = num_interactions * channels
        self.r_max = r_max

    def forward(self, positions: torch.Tensor, numbers: torch.Tensor, cell: torch.Tensor | None,
                batch: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        index = self.element_index[numbers]
        if bool((index < 0).any()):
            raise ValueError(f"elements {sorted(set(numbers[index < 0].tolist()))} are not in the model")
        i, j, vectors = neighbor_list(positions, cell, self.r_max, batch)
        batch = torch.zeros(len(positions), dtype=torch.long, device=positions.device) if batch is None else batch
        n_graphs = int(batch[-1]) + 1
        shifts = vectors - positions[j] + positions[i]
        counts = torch.bincount(batch, minlength=n_graphs)
        cells = torch.zeros(n_graphs, 3, 3, dtype=positions.dtype, device=positions.device) if cell is None \
            else cell.reshape(-1, 3, 3).expand(n_graphs, 3, 3)
        data = {
            "positions": positions, "node_attrs": nn.functional.one_hot(index, len(self.config["atomic_numbers"])).to(positions.dtype),
            "edge_index": torch.stack([i, j]), "shifts": shifts, "unit_shifts": torch.zeros_like(shifts),
            "batch": batch, "ptr": torch.cat([counts.new_zeros(1), counts.cumsum(0)]), "cell": cells.reshape(-1, 3),
        }
        out = self.model(data, training=self.training, compute_force=False)
        features = torch.cat([out["node_feats"][:, start:start + width] for start, width in self.scalar_slices], dim=-1)
        return {"features": features, "atom_energy": out["node_energy"].to(positions.dtype)}
