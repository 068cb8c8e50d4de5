"""Quality gate of a trained student: accuracy against its teacher and a short MD stability probe.

A student passes when its validation force and energy RMSE (against the labels it was trained on)
are within the thresholds and a short MD run (the system's student MD settings, ``probe_steps`` steps
from the relaxed structure) stays near the target temperature, keeps atoms apart and conserves its
conserved energy. The verdict also reports the student's charges with its canonical sign: mean
latent charge and isotropic BEC per element and the mean |net charge| of the molecules (each H with
its nearest heavy atom). A failed gate stops the cell (``on_fail: stop``) or flags it downstream
(``warn``: figures, peak tables).
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import ase.io
import numpy as np
import torch
import vesin
from ase.data import chemical_symbols
from pydantic import BaseModel, ConfigDict, Field

from .calculator import StudentCalculator
from .device import resolve_device
from .electrostatics import born_effective_charges
from .md.engine import run_md
from .md.guards import MDGuardError
from .md.reader import read_trajectory
from .md.settings import MDSettings
from .models.student import load_student
from .provenance import provenance
from .io.atomic import write_text
from .io.documents import load_model_file
from .io.hashing import sha256_of
from .training.data import load_datasets
from .training.trainer import evaluate_student

#: validation frames on which charges and BECs are reported
CHARGE_FRAMES = 4
#: neighbour-list cutoff (Å) for the closest approach in the probe frames
CLOSEST_CUTOFF_A = 3.0


class QualitySettings(BaseModel):
    """Thresholds of the gate and its MD probe (units in the names)."""

    model_config = ConfigDict(extra="forbid")

    max_force_rmse_mev_a: float = Field(100.0, gt=0, description="largest validation force RMSE (meV/Å)")
    max_energy_rmse_mev_atom: float = Field(10.0, gt=0, description="largest validation energy RMSE (meV/atom, "
                                            "mean offset removed)")
    probe_steps: int = Field(400, ge=0, description="MD steps of the stability probe (0: no probe)")
    probe_max_temperature_deviation_K: float = Field(
        100.0, gt=0, description="largest |mean temperature over the probe's second half − target| (K; NVT)")
    probe_min_distance_A: float = Field(0.6, gt=0, description="closest approach of two atoms in the probe (Å)")
    probe_max_drift_mev_atom_ps: float = Field(
        20.0, gt=0, description="largest drift of the conserved energy in the probe (meV/atom/ps)")
    on_fail: Literal["stop", "warn"] = Field("stop", description="stop: the cell ends at the gate with one line "
                                             "naming the numbers; warn: it continues, flagged in figures and tables")


def load_quality_settings(path: Path | str | None) -> QualitySettings:
    """Settings from a YAML file (defaults when None); ValueError naming the file and field."""
    return load_model_file(path, QualitySettings, "quality settings")


@dataclass
class Verdict:
    """What the gate measured and decided; ``failures`` names each number over its threshold."""

    student: str
    label: str
    passed: bool
    on_fail: str
    failures: list[str]
    force_rmse_mev_a: float
    energy_rmse_mev_atom: float
    probe: dict[str, float | int | str]
    charges: dict[str, float]
    stopped_by_time_limit: str | None
    thresholds: dict[str, float | int | str]
    provenance: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: the verdict with the numbers and thresholds."""
        head = f"quality gate {'passed' if self.passed else 'FAILED'} for {self.label}"
        if self.failures:
            return f"{head}: " + "; ".join(self.failures)
        return (f"{head}: validation force RMSE {self.force_rmse_mev_a:.1f} meV/Å, energy RMSE "
                f"{self.energy_rmse_mev_atom:.2f} meV/atom, probe {self.probe.get('steps', 0)} steps")

    def write(self, path: Path | str) -> Path:
        """The verdict as JSON at ``path`` (atomically)."""
        return write_text(path, json.dumps(asdict(self), indent=1, sort_keys=True) + "\n")


def read_verdict(path: Path | str) -> dict:
    """A verdict file as written by :meth:`Verdict.write`."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"gate verdict {path} does not exist")
    try:
        verdict = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"gate verdict {path} is not JSON: {error}") from None
    if not isinstance(verdict, dict) or "passed" not in verdict:
        raise ValueError(f"gate verdict {path} has no 'passed' entry")
    return verdict


def molecular_net_charges(positions: np.ndarray, cell: np.ndarray | None, numbers: np.ndarray,
                          charges: np.ndarray) -> np.ndarray:
    """Net charge (e) of each molecule: a heavy atom with the H atoms whose nearest heavy atom it is
    (minimum image in periodic cells). positions (N, 3) Å, charges (N,) e → (molecules,), only heavy
    atoms that hold at least one H."""
    heavy, hydrogen = np.flatnonzero(numbers != 1), np.flatnonzero(numbers == 1)
    if len(heavy) == 0 or len(hydrogen) == 0:
        return np.zeros(0)
    delta = positions[hydrogen][:, None, :] - positions[heavy][None, :, :]
    if cell is not None:
        fractional = delta @ np.linalg.inv(cell)
        delta = (fractional - np.round(fractional)) @ cell
    nearest = np.argmin(np.linalg.norm(delta, axis=-1), axis=1)
    totals = charges[heavy].astype(float).copy()
    np.add.at(totals, nearest, charges[hydrogen])
    return totals[np.bincount(nearest, minlength=len(heavy)) > 0]


def charge_report(student: Path | str, datasets: list[Path | str]) -> dict[str, float]:
    """Mean latent charge q_<El> and isotropic LES BEC bec_<El> (e) per element and the mean |net charge|
    of the molecules (``molecule_abs_net_charge``, e) on the first validation frames (else training)."""
    model = load_student(student)
    frames = load_datasets([Path(d) for d in datasets], torch.float64)
    indices = frames.indices("validation")
    indices = (indices if len(indices) else frames.indices("train"))[:CHARGE_FRAMES]
    batch = frames.batch(indices)
    positions = batch["positions"].clone().requires_grad_(True)
    charges = model.latent_charges(positions, batch["numbers"], batch["cells"], batch["batch"])
    bec = born_effective_charges(positions, batch["cells"], charges, batch=batch["batch"])
    iso = (torch.diagonal(bec, dim1=1, dim2=2).sum(-1) / 3).numpy()
    q = charges.detach().numpy()
    numbers = batch["numbers"].numpy()
    report = {}
    for number in sorted(set(numbers.tolist())):
        symbol = chemical_symbols[number]
        report[f"q_{symbol}"] = float(q[numbers == number].mean())
        report[f"bec_{symbol}"] = float(iso[numbers == number].mean())
    first = np.concatenate([[0], np.cumsum(frames.n_atoms[indices])])
    positions = batch["positions"].numpy()
    nets = [molecular_net_charges(positions[first[k]:first[k + 1]], frames.cells[i].numpy() if frames.periodic else None,
                                  numbers[first[k]:first[k + 1]], q[first[k]:first[k + 1]])
            for k, i in enumerate(indices)]
    nets = np.concatenate(nets) if nets else np.zeros(0)
    if len(nets):
        report["molecule_abs_net_charge"] = float(np.abs(nets).mean())
    return report


def probe_settings(md: MDSettings, settings: QualitySettings) -> MDSettings:
    """The student MD settings shortened to the probe: no equilibration, ``probe_steps`` production steps,
    a frame every step, the probe's closest-approach guard."""
    return MDSettings.model_validate({**md.model_dump(), "equilibration_steps": 0, "production_steps": settings.probe_steps,
                                      "sample_stride": 1, "checkpoint_every": max(1, settings.probe_steps),
                                      "min_distance_A": settings.probe_min_distance_A})


def run_probe(student: Path | str, structure: Path | str, md: MDSettings, trajectory: Path | str,
              device: str = "auto") -> dict:
    """Run the probe MD; mean temperature over its second half (K; NVT only: NVE has no target), closest
    approach (Å), conserved-energy drift (meV/atom/ps) and steps run, or the guard's message when it
    stopped the run."""
    atoms = ase.io.read(structure)
    calculator = StudentCalculator(student, device=device)  # float64, as the student MD
    try:
        path = run_md(atoms, calculator, md, trajectory, calculator_id=f"student:{sha256_of(Path(student))}:float64")
    except MDGuardError as error:
        return {"steps": int(error.step), "guard": str(error)}
    data = read_trajectory(path)
    time_ps = data["time_fs"].values / 1e3
    result = {"steps": int(md.production_steps), "min_distance_A": _closest_approach(data)}
    if md.ensemble == "nvt":
        temperature = data["temperature"].values
        result.update(temperature_mean_K=float(temperature[len(temperature) // 2:].mean()),
                      target_temperature_K=md.temperature_K)
    if "conserved_energy" in data and len(time_ps) > 2:
        slope = np.polyfit(time_ps, data["conserved_energy"].values, 1)[0]
        result["drift_mev_atom_ps"] = float(1e3 * abs(slope) / data.sizes["atom"])
    return result


def _closest_approach(data) -> float:
    neighbours = vesin.NeighborList(cutoff=CLOSEST_CUTOFF_A, full_list=False)
    closest = math.inf
    periodic = "cell" in data and bool(np.any(data["cell"].values[0]))
    for k in range(data.sizes["frame"]):
        cell = data["cell"].values[k] if periodic else np.zeros((3, 3))
        (distances,) = neighbours.compute(data["positions"].values[k], cell, periodic, quantities="d")
        if len(distances):
            closest = min(closest, float(distances.min()))
    return closest


def judge(student: Path | str, datasets: list[Path | str], structure: Path | str, md: MDSettings,
          settings: QualitySettings, label: str, device: str = "auto") -> Verdict:
    """Measure ``student`` and compare with ``settings``; the verdict (passed or not).

    Errors on the validation split of ``datasets[0]`` (the labels the student distils; for fine-tuning
    the DFT data), charges on the first validation frames, the probe MD (``md`` shortened by
    :func:`probe_settings`, in a temporary folder) from ``structure``. A student that training's
    time limit stopped early fails: it is not the student the settings describe."""
    errors = evaluate_student(student, datasets[0], device=device)
    failures = []
    force, energy = errors["forces_rmse_mev_a"], errors["energy_rmse_mev_atom"]
    if not force <= settings.max_force_rmse_mev_a:
        failures.append(f"validation force RMSE {force:.1f} meV/Å > max_force_rmse_mev_a {settings.max_force_rmse_mev_a:g}")
    if not energy <= settings.max_energy_rmse_mev_atom:
        failures.append(f"validation energy RMSE {energy:.2f} meV/atom > max_energy_rmse_mev_atom "
                        f"{settings.max_energy_rmse_mev_atom:g}")
    probe: dict = {"steps": 0}
    if settings.probe_steps:
        with tempfile.TemporaryDirectory(prefix="lesdistill-probe-") as folder:
            probe = run_probe(student, structure, probe_settings(md, settings), Path(folder) / "probe.nc",
                              device=device)
        failures += _probe_failures(probe, settings)
    metadata = torch.load(student, weights_only=True).get("metadata", {})
    stopped = metadata.get("stopped_by_time_limit")
    if stopped:
        failures.append(f"training {stopped}")
    return Verdict(student=str(student), label=label, passed=not failures, on_fail=settings.on_fail, failures=failures,
                   force_rmse_mev_a=force, energy_rmse_mev_atom=energy, probe=probe,
                   charges=charge_report(student, datasets), stopped_by_time_limit=stopped,
                   thresholds=settings.model_dump(), provenance=provenance(command="gate", student_sha256=sha256_of(Path(student)),
                                                         device=str(resolve_device(device))))


def _probe_failures(probe: dict, settings: QualitySettings) -> list[str]:
    if "guard" in probe:
        return [f"probe MD stopped: {probe['guard']}"]
    failures = []
    deviation = abs(probe.get("temperature_mean_K", math.nan) - probe.get("target_temperature_K", math.nan))
    if math.isfinite(deviation) and not deviation <= settings.probe_max_temperature_deviation_K:
        failures.append(f"probe mean temperature {probe['temperature_mean_K']:.0f} K is {deviation:.0f} K from the "
                        f"target > probe_max_temperature_deviation_K {settings.probe_max_temperature_deviation_K:g}")
    if not probe["min_distance_A"] >= settings.probe_min_distance_A:
        failures.append(f"probe closest approach {probe['min_distance_A']:.2f} Å < probe_min_distance_A "
                        f"{settings.probe_min_distance_A:g}")
    drift = probe.get("drift_mev_atom_ps")
    if drift is not None and not drift <= settings.probe_max_drift_mev_atom_ps:
        failures.append(f"probe conserved-energy drift {drift:.2f} meV/atom/ps > probe_max_drift_mev_atom_ps "
                        f"{settings.probe_max_drift_mev_atom_ps:g}")
    return failures
