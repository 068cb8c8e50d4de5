"""Student potential: a short-range backbone plus the LES long-range head, and its file format.

E = Σ_i [ε_i + E0(Z_i)] + E_LES(q), q_i = sign · head(features_i), with ε_i and features_i from a
strictly local backbone and E_LES from :func:`lesdistill.electrostatics.ewald_energy`. Forces and
stress by autograd. The global sign of q is arbitrary in training (E_LES is quadratic in q);
``charge_sign`` stores the canonical choice (the reference element's isotropic BEC negative; see
:mod:`lesdistill.training.charge_sign`). Files hold only tensors and plain
Python values, so they load with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..electrostatics import ewald_energy
from ..io.atomic import atomic_path
from .cace import CACEBackbone
from .charge_head import ChargeHead
from .mace import MACEBackbone

BACKBONES = {"cace": CACEBackbone, "mace": MACEBackbone}
FILE_FORMAT = "lesdistill-student"
FILE_VERSION = 1


class Student(nn.Module):
    """Backbone + latent-charge head + LES electrostatics (``use_les=False`` for the ablation)."""

    def __init__(self, backbone: str, backbone_config: dict, head_config: dict | None = None,
                 element_energies: dict[int, float] | None = None, sigma: float = 1.0, dl: float = 2.0,
                 use_les: bool = True, remove_self_interaction: bool = True, charge_sign: float = 1.0):
        super().__init__()
        if backbone not in BACKBONES:
            raise ValueError(f"unknown backbone {backbone!r}; known: {sorted(BACKBONES)}")
        self.backbone = BACKBONES[backbone](**backbone_config)
        n_features = self.backbone.n_features
        self.head = ChargeHead(**{"n_features": n_features, **(head_config or {})})
        energies = torch.zeros(119, dtype=torch.get_default_dtype())
        for number, value in (element_energies or {}).items():
            energies[int(number)] = float(value)
        self.register_buffer("element_energies", energies)
        self.register_buffer("charge_sign", torch.tensor(float(charge_sign)))
        self.backbone_name, self.sigma, self.dl, self.use_les = backbone, sigma, dl, use_les
        self.remove_self_interaction = remove_self_interaction

    @property
    def config(self) -> dict:
        """Everything but the weights, as plain Python values."""
        return {"backbone": self.backbone_name, "backbone_config": self.backbone.config,
                "head_config": self.head.config, "sigma": self.sigma, "dl": self.dl, "use_les": self.use_les,
                "remove_self_interaction": self.remove_self_interaction}

    def forward(self, positions: torch.Tensor, numbers: torch.Tensor, cell: torch.Tensor | None,
                batch: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """positions (N, 3) Å, numbers (N,), cell (3, 3)/(B, 3, 3)/None, batch (N,) →
        energy (B,) or scalar eV, atom_energy (N,) eV (short range), charges (N,) e."""
        out = self.backbone(positions, numbers, cell, batch)
        atom_energy = out["atom_energy"] + self.element_energies[numbers].to(positions.dtype)
        charges = self.charge_sign * self.head(out["features"])
        if batch is None:
            energy = atom_energy.sum()
        else:
            n_structures = int(batch[-1]) + 1 if cell is None or cell.dim() == 2 else cell.shape[0]
            energy = atom_energy.new_zeros(n_structures).index_add(0, batch, atom_energy)
        if self.use_les:
            energy = energy + ewald_energy(positions, cell, charges, sigma=self.sigma, dl=self.dl, batch=batch,
                                           remove_self_interaction=self.remove_self_interaction)
        return {"energy": energy, "atom_energy": atom_energy, "charges": charges}

    def latent_charges(self, positions: torch.Tensor, numbers: torch.Tensor, cell: torch.Tensor | None,
                       batch: torch.Tensor | None = None) -> torch.Tensor:
        """Latent charges (N,) e (canonical sign) without the energy terms: what the response needs."""
        return self.charge_sign * self.head(self.backbone(positions, numbers, cell, batch)["features"])


def save_student(model: Student, path: Path | str, metadata: dict[str, str] | None = None) -> Path:
    """Write ``model`` as a weights-only file (config, state dict, units, metadata)."""
    path = Path(path)
    payload = {"format": FILE_FORMAT, "version": FILE_VERSION, "config": model.config,
               "state_dict": model.state_dict(), "units": {"energy": "eV", "length": "Å", "charge": "e"},
               "metadata": dict(metadata or {})}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def load_student(path: Path | str, device: str = "cpu", dtype: torch.dtype = torch.float64) -> Student:
    """Read a student file with ``torch.load(weights_only=True)``; clear errors for foreign or newer files."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"student file {path} does not exist")
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except Exception as error:
        raise ValueError(f"{path} is not a loadable student file: {error}") from error
    if not isinstance(payload, dict) or payload.get("format") != FILE_FORMAT:
        raise ValueError(f"{path} is not a lesdistill student file")
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"{path} has no valid student file version (found {version!r}, expected an integer "
                         f"up to {FILE_VERSION})")
    if version > FILE_VERSION:
        raise ValueError(f"{path} has student file version {version}, newer than this lesdistill "
                         f"reads ({FILE_VERSION}): upgrade lesdistill")
    missing = [key for key in ("config", "state_dict") if not isinstance(payload.get(key), dict)]
    if missing:
        raise ValueError(f"student file {path} lacks {' and '.join(missing)}")
    try:
        with torch.device(device):
            model = Student(**payload["config"])
    except (TypeError, ValueError) as error:
        raise ValueError(f"student file {path} has an unusable model configuration: {error}") from None
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        problem = " ".join(str(error).split())
        raise ValueError(f"student file {path}: the weights do not fit its configuration ({problem[:300]})") from None
    return model.to(device=device, dtype=dtype).eval()
