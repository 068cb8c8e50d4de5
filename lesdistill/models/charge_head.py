"""Latent-charge head: per-atom invariant features → one latent charge per atom (e).

q = scale · (MLP(f) + W f), with MLP n_features → 32 → 16 → 1 (SiLU) and a bias-free linear branch,
scale 0.1 as in the LES reference (small initial charges keep early training stable).
"""

from __future__ import annotations

import torch
from torch import nn


class ChargeHead(nn.Module):
    """features (N, F) → charges (N,)."""

    def __init__(self, n_features: int, hidden: tuple[int, ...] = (32, 16), scale: float = 0.1):
        super().__init__()
        layers: list[nn.Module] = []
        width = n_features
        for size in hidden:
            layers += [nn.Linear(width, size), nn.SiLU()]
            width = size
        layers.append(nn.Linear(width, 1))
        self.mlp = nn.Sequential(*layers)
        self.linear = nn.Linear(n_features, 1, bias=False)
        self.scale = scale
        self.config = {"n_features": n_features, "hidden": list(hidden), "scale": scale}

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.scale * (self.mlp(features) + self.linear(features)).squeeze(-1)
