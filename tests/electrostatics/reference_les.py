"""An independent, literal NumPy transcription of the LES formulas, for tests only.

It enumerates n ∈ [−N_i, N_i]³ with N_i = max(1, int(|a_i|/dl)), keeps the half space with weight 2
and the spherical cutoff, and sums cos/sin over atoms directly: no pair grid, no batching, no torch.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

HALF_INV_EPS0 = 90.4756


def les_energy_periodic(positions, cell, charges, sigma=1.0, dl=2.0, remove_self=True, prefactor=HALF_INV_EPS0):
    positions, cell, charges = (np.asarray(x, dtype=np.float64) for x in (positions, cell, charges))
    recip = 2 * math.pi * np.linalg.inv(cell).T
    n_max = [max(1, int(np.linalg.norm(a) / dl)) for a in cell]
    k_cut = 2 * math.pi / dl
    total = 0.0
    for n1 in range(-n_max[0], n_max[0] + 1):
        for n2 in range(-n_max[1], n_max[1] + 1):
            for n3 in range(-n_max[2], n_max[2] + 1):
                if not (n1 > 0 or (n1 == 0 and n2 > 0) or (n1 == 0 and n2 == 0 and n3 > 0)):
                    continue
                k = n1 * recip[0] + n2 * recip[1] + n3 * recip[2]
                k_sq = k @ k
                if k_sq > k_cut**2:
                    continue
                phase = positions @ k
                s_sq = (charges @ np.cos(phase)) ** 2 + (charges @ np.sin(phase)) ** 2
                total += 2 * math.exp(-0.5 * sigma**2 * k_sq) / k_sq * s_sq
    energy = prefactor * total / abs(np.linalg.det(cell))
    if remove_self:
        energy -= prefactor * np.sum(charges**2) / (sigma * (2 * math.pi) ** 1.5)
    return energy


def les_energy_open(positions, charges, sigma=1.0, remove_self=True, prefactor=HALF_INV_EPS0):
    positions, charges = np.asarray(positions, dtype=np.float64), np.asarray(charges, dtype=np.float64)
    coulomb = prefactor / (2 * math.pi)
    energy = 0.0
    for i in range(len(positions)):
        for j in range(len(positions)):
            if i != j:
                r = np.linalg.norm(positions[i] - positions[j])
                energy += 0.5 * coulomb * charges[i] * charges[j] * erf(r / (math.sqrt(2) * sigma)) / r
    if not remove_self:
        energy += prefactor * np.sum(charges**2) / (sigma * (2 * math.pi) ** 1.5)
    return energy
