"""``StudentCalculator``: an ASE calculator for saved students (energy, forces, stress, charges, BEC)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from ase.calculators.calculator import Calculator, all_changes
from ase.stress import full_3x3_to_voigt_6_stress

from .autodiff import energy_forces_stress
from .device import resolve_device
from .electrostatics import born_effective_charges
from .models.student import load_student


class StudentCalculator(Calculator):
    """ASE calculator for a student file.

    Results: ``energy``/``free_energy`` (eV), ``forces`` (eV/Å), ``stress`` (eV/Å³, periodic cells),
    ``charges`` (latent, canonical sign, e) and, when asked for, ``bec`` (N, 3, 3) with
    Z[i, α, β] = ∂P_α/∂r_iβ, scaled by √``epsilon_inf`` (1 gives the LES BEC).

    The model runs on ``device`` (auto, cpu, cuda, cuda:N; ``self.device`` is the resolved one). Per
    call only the positions go to the device (numbers and cell when they change) and energy, forces
    and stress come back; charges and BECs only when asked for.
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress", "charges", "bec"]

    def __init__(self, path: Path | str, device: str = "auto", dtype: str = "float64", epsilon_inf: float = 1.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.dtype = getattr(torch, dtype)
        self.device = resolve_device(device)
        self.model = load_student(path, device=self.device, dtype=self.dtype)
        self.epsilon_inf = epsilon_inf
        self._numbers: torch.Tensor | None = None
        self._cell: torch.Tensor | None = None

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        atoms = self.atoms
        if atoms.pbc.any() and not atoms.pbc.all():
            raise ValueError(f"students support full or no periodicity, got pbc={atoms.pbc.tolist()}")
        periodic = bool(atoms.pbc.all())
        positions = torch.tensor(atoms.positions, dtype=self.dtype, device=self.device)
        if self._numbers is None or "numbers" in system_changes:
            self._numbers = torch.tensor(atoms.numbers, device=self.device)
        if self._cell is None or "cell" in system_changes:
            self._cell = torch.tensor(atoms.cell.array, dtype=self.dtype, device=self.device)
        numbers, cell = self._numbers, self._cell

        outputs: dict[str, torch.Tensor] = {}

        def energy_fn(p, c):
            outputs.update(self.model(p, numbers, c if periodic else None))
            return outputs["energy"]

        reference_cell = cell if periodic else torch.eye(3, dtype=self.dtype, device=self.device)
        energy, forces, stress = energy_forces_stress(energy_fn, positions, reference_cell)
        self.results["energy"] = self.results["free_energy"] = float(energy.detach())
        self.results["forces"] = forces.detach().cpu().numpy()
        if "charges" in properties:
            self.results["charges"] = outputs["charges"].detach().cpu().numpy()
        if periodic:
            self.results["stress"] = full_3x3_to_voigt_6_stress(stress.detach().cpu().numpy())
        if "bec" in properties:  # charges as a function of positions: one more forward pass
            p = positions.clone().requires_grad_(True)
            charges = self.model.latent_charges(p, numbers, cell if periodic else None)
            bec = born_effective_charges(p, cell if periodic else None, charges, epsilon_inf=self.epsilon_inf)
            self.results["bec"] = bec.cpu().numpy()

    def get_bec(self, atoms=None) -> np.ndarray:
        """Born effective charges (N, 3, 3) in e."""
        return self.get_property("bec", atoms)
