"""Predictions of a student on a batch, the weighted loss and error metrics."""

from __future__ import annotations

import torch

from ..autodiff import energy_forces_stress


def predict(model, batch: dict[str, torch.Tensor], create_graph: bool, with_stress: bool) -> dict[str, torch.Tensor]:
    """Energies (B,), forces (atoms of the batch, 3), latent charges (atoms,) e and, when asked, stress
    (B, 3, 3) of ``batch``."""
    numbers, index, cells = batch["numbers"], batch["batch"], batch["cells"]
    if cells is None or not with_stress:
        positions = batch["positions"].detach().requires_grad_(True)
        out = model(positions, numbers, cells, index)
        (grad,) = torch.autograd.grad(out["energy"].sum(), positions, create_graph=create_graph)
        return {"energy": out["energy"], "forces": -grad, "charges": out["charges"]}
    charges = []

    def energy_of(p: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        out = model(p, numbers, c, index)
        charges.append(out["charges"])
        return out["energy"]

    energy, forces, stress = energy_forces_stress(energy_of, batch["positions"], cells, batch=index,
                                                  create_graph=create_graph)
    return {"energy": energy, "forces": forces, "stress": stress, "charges": charges[-1]}


def loss(prediction: dict, batch: dict, weights: dict[str, float]) -> torch.Tensor:
    """w_E·MSE(E/N) + w_F·MSE(F) + w_S·MSE(σ) + w_q·MSE(q) (eV², eV²/Å², eV²/Å⁶, e²): the last only with
    ``weights["charges"]`` > 0, the student's latent charges against the teacher's partial charges."""
    total = weights["energy"] * (((prediction["energy"] - batch["energy"]) / batch["n_atoms"]) ** 2).mean()
    total = total + weights["forces"] * ((prediction["forces"] - batch["forces"]) ** 2).mean()
    if "stress" in prediction and "stress" in batch and weights.get("stress", 0) > 0:
        total = total + weights["stress"] * ((prediction["stress"] - batch["stress"]) ** 2).mean()
    if weights.get("charges", 0) > 0:
        total = total + weights["charges"] * ((prediction["charges"] - batch["charges"]) ** 2).mean()
    return total


def errors(prediction: dict, batch: dict, with_charges: bool = False) -> dict[str, torch.Tensor]:
    """Sums of squared and absolute errors with counts, to be pooled over batches (``with_charges``: of
    the latent charges against the teacher's too)."""
    de = ((prediction["energy"] - batch["energy"]) / batch["n_atoms"]).detach()
    df = (prediction["forces"] - batch["forces"]).detach()
    count = lambda n: torch.tensor(float(n), device=de.device)  # noqa: E731
    pooled = {"energy_sq": (de**2).sum(), "energy_abs": de.abs().sum(), "energy_n": count(len(de)),
              "forces_sq": (df**2).sum(), "forces_abs": df.abs().sum(), "forces_n": count(df.numel())}
    if with_charges:
        dq = (prediction["charges"] - batch["charges"]).detach()
        pooled.update({"charges_sq": (dq**2).sum(), "charges_abs": dq.abs().sum(), "charges_n": count(len(dq))})
    return pooled


def summarise(pooled: dict[str, torch.Tensor]) -> dict[str, float]:
    """RMSE and MAE of energy per atom (meV/atom), forces (meV/Å) and, where pooled, charges (e)."""
    rmse = lambda name: float((pooled[f"{name}_sq"] / pooled[f"{name}_n"]).sqrt())  # noqa: E731
    mae = lambda name: float(pooled[f"{name}_abs"] / pooled[f"{name}_n"])  # noqa: E731
    summary = {"energy_rmse_mev_atom": 1e3 * rmse("energy"), "energy_mae_mev_atom": 1e3 * mae("energy"),
               "forces_rmse_mev_a": 1e3 * rmse("forces"), "forces_mae_mev_a": 1e3 * mae("forces")}
    if "charges_sq" in pooled:
        summary.update({"charges_rmse_e": rmse("charges"), "charges_mae_e": mae("charges")})
    return summary
