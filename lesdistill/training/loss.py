"""Predictions of a student on a batch, the weighted loss and error metrics."""

from __future__ import annotations

import torch

from ..autodiff import energy_forces_stress


def predict(model, batch: dict[str, torch.Tensor], create_graph: bool, with_stress: bool) -> dict[str, torch.Tensor]:
    """Energies (B,), forces (atoms of the batch, 3) and, when asked, stress (B, 3, 3) of ``batch``."""
    numbers, index, cells = batch["numbers"], batch["batch"], batch["cells"]
    if cells is None or not with_stress:
        positions = batch["positions"].detach().requires_grad_(True)
        energy = model(positions, numbers, cells, index)["energy"]
        (grad,) = torch.autograd.grad(energy.sum(), positions, create_graph=create_graph)
        return {"energy": energy, "forces": -grad}
    energy, forces, stress = energy_forces_stress(lambda p, c: model(p, numbers, c, index)["energy"],
                                                  batch["positions"], cells, batch=index, create_graph=create_graph)
    return {"energy": energy, "forces": forces, "stress": stress}


def loss(prediction: dict, batch: dict, weights: dict[str, float]) -> torch.Tensor:
    """w_E·MSE(E/N) + w_F·MSE(F) + w_S·MSE(σ) (eV², eV²/Å², eV²/Å⁶)."""
    total = weights["energy"] * (((prediction["energy"] - batch["energy"]) / batch["n_atoms"]) ** 2).mean()
    total = total + weights["forces"] * ((prediction["forces"] - batch["forces"]) ** 2).mean()
    if "stress" in prediction and "stress" in batch and weights.get("stress", 0) > 0:
        total = total + weights["stress"] * ((prediction["stress"] - batch["stress"]) ** 2).mean()
    return total


def errors(prediction: dict, batch: dict) -> dict[str, torch.Tensor]:
    """Sums of squared and absolute errors with counts, to be pooled over batches."""
    de = ((prediction["energy"] - batch["energy"]) / batch["n_atoms"]).detach()
    df = (prediction["forces"] - batch["forces"]).detach()
    count = lambda n: torch.tensor(float(n), device=de.device)  # noqa: E731
    return {"energy_sq": (de**2).sum(), "energy_abs": de.abs().sum(), "energy_n": count(len(de)),
            "forces_sq": (df**2).sum(), "forces_abs": df.abs().sum(), "forces_n": count(df.numel())}


def summarise(pooled: dict[str, torch.Tensor]) -> dict[str, float]:
    """RMSE and MAE of energy per atom (meV/atom) and forces (meV/Å)."""
    return {
        "energy_rmse_mev_atom": 1e3 * float((pooled["energy_sq"] / pooled["energy_n"]).sqrt()),
        "energy_mae_mev_atom": 1e3 * float(pooled["energy_abs"] / pooled["energy_n"]),
        "forces_rmse_mev_a": 1e3 * float((pooled["forces_sq"] / pooled["forces_n"]).sqrt()),
        "forces_mae_mev_a": 1e3 * float(pooled["forces_abs"] / pooled["forces_n"]),
    }
