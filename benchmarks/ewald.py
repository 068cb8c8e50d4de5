"""Time LES energy + forces: k-space sum and PME, float32/float64, batches of 1 and 8, one thread.

Systems: 64 and 512 H2O at 0.997 g/cm³ (192 and 1536 atoms) and the paper's anatase–water
interface cell 30.741 × 33.939 × 83.394 Å with 8748 atoms (2916 randomly placed H2O: the timing and
the PME accuracy depend on the cell, the atom count and the charges, not on the chemistry).
Charges −0.82/+0.41 e. Also records the PME error against the k-space sum (float64).

Reference (LES authors' code, Python loop over structures, this machine, one thread): 192 atoms
1.1 ms (float32) / 2.1 ms (float64); 8 × 192 atoms 9.4 ms; 8748 atoms 7.2 s (float32).

Usage: python benchmarks/ewald.py [--quick]   → benchmarks/results/ewald.json
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from common import machine, median_seconds, write_results  # noqa: E402

from lesdistill.electrostatics import ewald_energy  # noqa: E402
from lesdistill.systems import water_box  # noqa: E402

INTERFACE_CELL = (30.741, 33.939, 83.394)
WATER_CHARGES = np.array([-0.82, 0.41, 0.41])


def random_waters(n_molecules: int, lengths, seed: int) -> np.ndarray:
    """O at random positions in an orthorhombic cell, two H at 0.9572 Å in random directions."""
    rng = np.random.default_rng(seed)
    oxygens = rng.uniform(size=(n_molecules, 1, 3)) * np.asarray(lengths)
    directions = rng.normal(size=(n_molecules, 2, 3))
    hydrogens = oxygens + 0.9572 * directions / np.linalg.norm(directions, axis=-1, keepdims=True)
    return np.concatenate([oxygens, hydrogens], axis=1).reshape(-1, 3)


def structures(system: str, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``count`` different (positions, cell) pairs of one system."""
    if system == "interface":
        cell = np.diag(INTERFACE_CELL)
        return [(random_waters(2916, INTERFACE_CELL, seed), cell) for seed in range(count)]
    n_molecules = {"water192": 64, "water1536": 512}[system]
    boxes = [water_box(n_molecules, seed=seed) for seed in range(count)]
    return [(atoms.positions, atoms.cell.array) for atoms in boxes]


def energy_forces(positions, cells, charges, batch, method):
    p = positions.detach().requires_grad_(True)
    energy = ewald_energy(p, cells, charges, batch=batch, method=method)
    (grad,) = torch.autograd.grad(energy.sum(), p)
    return energy.detach(), -grad


def as_tensors(items, dtype):
    positions = torch.tensor(np.concatenate([p for p, _ in items]), dtype=dtype)
    cells = torch.tensor(np.stack([c for _, c in items]), dtype=dtype)
    n_atoms = len(items[0][0])
    charges = torch.tensor(np.tile(WATER_CHARGES, n_atoms // 3 * len(items)), dtype=dtype)
    batch = torch.arange(len(items)).repeat_interleave(n_atoms)
    return positions, cells, charges, batch


def time_case(items, dtype, method, repeats) -> tuple[float, float]:
    """(one batched call, sum of separate calls) in seconds for energy + forces."""
    positions, cells, charges, batch = as_tensors(items, dtype)
    batched = median_seconds(lambda: energy_forces(positions, cells, charges, batch, method), repeats)
    singles = [as_tensors([item], dtype) for item in items]
    separate = sum(
        median_seconds(lambda s=s: energy_forces(s[0], s[1][0], s[2], None, method), repeats) for s in singles
    )
    return batched, separate


def pme_error(items) -> tuple[float, float]:
    positions, cells, charges, _ = as_tensors(items[:1], torch.float64)
    e_k, f_k = energy_forces(positions, cells[0], charges, None, "kspace")
    e_p, f_p = energy_forces(positions, cells[0], charges, None, "pme")
    return float(abs(e_p - e_k) / abs(e_k)), float((f_p - f_k).norm() / f_k.norm())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, skip the 8 × 8748-atom batch")
    args = parser.parse_args()
    torch.set_num_threads(1)
    metrics: dict[str, tuple[float, str]] = {}
    n_atoms = {"water192": 192, "water1536": 1536, "interface": 8748}
    for system in ("water192", "water1536", "interface"):
        items = structures(system, 8)
        large = system == "interface"
        repeats = 3 if large else (5 if args.quick else 40)
        err_e, err_f = pme_error(items)
        metrics[f"{system}_pme_rel_error_energy"] = (err_e, "1")
        metrics[f"{system}_pme_rel_rms_error_forces"] = (err_f, "1")
        for method in ("kspace", "pme"):
            for dtype in (torch.float32, torch.float64):
                name = f"{system}_{method}_{str(dtype).split('.')[-1]}"
                positions, cells, charges, _ = as_tensors(items[:1], dtype)
                one = median_seconds(lambda: energy_forces(positions, cells[0], charges, None, method), repeats)
                metrics[f"{name}_batch1"] = (one * 1e3, "ms")
                if large and args.quick:
                    print(f"{name}: 1 structure {one * 1e3:9.1f} ms", flush=True)
                    continue
                batched, separate = time_case(items, dtype, method, repeats)
                metrics[f"{name}_batch8"] = (batched * 1e3, "ms")
                metrics[f"{name}_8_separate"] = (separate * 1e3, "ms")
                metrics[f"{name}_batch8_speedup"] = (separate / batched, "x")
                print(f"{name}: 1 structure {one * 1e3:9.1f} ms | 8 batched {batched * 1e3:9.1f} ms | "
                      f"8 separate {separate * 1e3:9.1f} ms | speed-up {separate / batched:4.2f}x", flush=True)
        print(f"{system}: PME error vs k-space: energy {err_e:.1e}, forces {err_f:.1e} (n_atoms {n_atoms[system]})")
    reference = 7.2
    metrics["interface_pme_float32_speedup_vs_reference_7.2s"] = (reference / (metrics["interface_pme_float32_batch1"][0] / 1e3), "x")
    path = write_results("ewald", machine(1), metrics)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
