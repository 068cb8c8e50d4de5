"""The global sign of a student's latent charges, fixed by a measured quantity: the BEC.

The LES energy is quadratic in the latent charges q, so training fixes q only up to a global sign,
and with it the sign of every Born effective charge Z* = ∂P/∂r (linear in q). The latent charge of
one atom is not the measured physics: charge flux (∂q/∂r) can make an atom's BEC opposite in sign to
its latent charge. The sign is therefore chosen so that the mean isotropic BEC, tr(Z*)/3, of the
system's reference element (oxygen for water) is negative on a few training frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from ase.data import atomic_numbers

from ..electrostatics import born_effective_charges

#: training frames whose BECs fix the sign (the first ones of the training split)
SIGN_FRAMES = 4


@dataclass(frozen=True)
class SignChoice:
    """The factor applied to the student's ``charge_sign`` and what it was chosen from."""

    factor: int
    element: str
    bec_iso_before: float  # e, mean isotropic BEC of the reference element with the sign as trained
    n_frames: int

    def describe(self) -> str:
        """One line for the student file's metadata and the training log."""
        return (f"isotropic BEC of {self.element} negative: {self.factor * self.bec_iso_before:+.3g} e "
                f"(mean over {self.n_frames} training frames, LES units)")


def mean_isotropic_bec(model, positions: torch.Tensor, numbers: torch.Tensor, cells: torch.Tensor | None,
                       batch: torch.Tensor, element_number: int) -> float:
    """Mean of tr(Z*)/3 (e, LES units: ε∞ = 1) over the atoms of ``element_number``.

    positions (B·N, 3) Å, numbers (B·N,), cells (B, 3, 3) or None, batch (B·N,) as from
    :meth:`lesdistill.training.data.Frames.batch`; the student's latent charges as it stands.
    """
    selected = numbers == element_number
    if not bool(selected.any()):
        raise ValueError(f"no atom of atomic number {element_number}")
    p = positions.detach().clone().requires_grad_(True)
    charges = model.latent_charges(p, numbers, cells, batch)
    bec = born_effective_charges(p, cells, charges, batch=batch)
    iso = torch.diagonal(bec, dim1=1, dim2=2).sum(-1) / 3
    return float(iso[selected].mean())


def bec_sign(model, batch: dict[str, torch.Tensor], element: str) -> SignChoice | None:
    """The factor (±1) that makes ``element``'s mean isotropic BEC negative on ``batch`` (frames flattened
    as by ``Frames.batch``); None when the frames hold no such atom (the sign then stays as trained)."""
    number = atomic_numbers[element]
    if not bool((batch["numbers"] == number).any()):
        return None
    value = mean_isotropic_bec(model, batch["positions"], batch["numbers"], batch["cells"], batch["batch"], number)
    n_frames = int(batch["batch"].max()) + 1 if len(batch["batch"]) else 0
    return SignChoice(factor=-1 if value > 0 else 1, element=element, bec_iso_before=value, n_frames=n_frames)

