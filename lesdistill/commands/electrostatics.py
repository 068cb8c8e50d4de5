"""``lesdistill electrostatics``: LES and point-charge electrostatics of fixed charges on structures.

Reads every frame of a structure file (any ASE format), assigns charges per element, and writes a
netCDF file (dims frame, atom, xyz) with LES energies, forces and stress by the k-space sum and by
PME, the converged point-charge Coulomb energy, and Born effective charges, plus provenance.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import xarray as xr

from ..autodiff import energy_forces_stress
from ..device import add_device_option, resolve_device, synchronize
from ..electrostatics import born_effective_charges, ewald_energy, point_charge_energy
from ..config import CaceStudent, SystemSection
from ..io.atomic import atomic_path
from ..io.records import MadeFrom
from ..io.structures import read_structures
from ..provenance import provenance
from .options import add_settings_option, check_options, made_from_args

NAME = "electrostatics"


def parse_charges(text: str) -> dict[str, float]:
    """'O=-0.82,H=0.41' → {'O': -0.82, 'H': 0.41}; raises ValueError naming the bad entry."""
    charges = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        symbol, _, value = item.partition("=")
        try:
            charges[symbol.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--charges entry {item!r} is not SYMBOL=VALUE (e.g. O=-0.82)") from None
    if not charges:
        raise ValueError("--charges is empty; give SYMBOL=VALUE pairs such as O=-0.82,H=0.41")
    return charges


def read_frames(path: Path) -> list:
    """All frames of ``path`` with one atom count and composition, or ValueError naming the file."""
    frames = read_structures(path)
    symbols = frames[0].get_chemical_symbols()
    for i, atoms in enumerate(frames):
        if atoms.get_chemical_symbols() != symbols:
            raise ValueError(f"frame {i} of {path} has other atoms than frame 0; one composition per file")
        if not (all(atoms.pbc) or not any(atoms.pbc)):
            raise ValueError(f"frame {i} of {path} is partly periodic (pbc={atoms.pbc.tolist()}); use full or no periodicity")
    return frames


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="LES / point-charge electrostatics of fixed charges on structures")
    parser.add_argument("structures", type=Path, help="structure file (any ASE format, all frames are used)")
    parser.add_argument("--charges", required=True, help="charges per element, e.g. O=-0.82,H=0.41 (e)")
    parser.add_argument("--sigma", type=float, default=1.0, help="LES Gaussian width σ in Å (default 1)")
    parser.add_argument("--dl", type=float, default=2.0, help="LES k-space resolution in Å (default 2)")
    parser.add_argument("--epsilon-inf", type=float, default=1.0, help="ε∞ scaling the BEC by √ε∞ (default 1)")
    parser.add_argument("--mesh-spacing", type=float, default=None, help="PME mesh spacing in Å (default 0.15·dl)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    add_device_option(parser, "the sums")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output netCDF path")
    add_settings_option(parser)
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The structures and the options (the config's ranges: σ, dl, ε∞ > 0)."""
    check_options(args, CaceStudent, {"sigma": "sigma", "dl": "dl"})
    check_options(args, SystemSection, {"epsilon_inf": "epsilon_inf"})
    if args.mesh_spacing is not None and not args.mesh_spacing > 0:
        raise ValueError(f"--mesh-spacing {args.mesh_spacing}: must be positive (Å)")
    charges = dict(sorted(parse_charges(args.charges).items()))  # the same charges in any order: one record
    return made_from_args(args, NAME, ("structures",), charges=charges)


def run(args: argparse.Namespace) -> None:
    dtype = getattr(torch, args.dtype)
    device = resolve_device(args.device)
    per_element = parse_charges(args.charges)
    frames = read_frames(args.structures)
    symbols = frames[0].get_chemical_symbols()
    missing = sorted(set(symbols) - set(per_element))
    if missing:
        raise ValueError(f"--charges gives no charge for element(s) {missing}")
    periodic = bool(frames[0].pbc.all())
    n_frames, n_atoms = len(frames), len(symbols)
    charges = torch.tensor([per_element[s] for s in symbols], dtype=dtype, device=device)
    positions = torch.tensor(np.concatenate([a.positions for a in frames]), dtype=dtype, device=device)
    cells = torch.tensor(np.stack([a.cell.array for a in frames]), dtype=dtype, device=device) if periodic else None
    batch = torch.arange(n_frames, device=device).repeat_interleave(n_atoms)
    all_charges = charges.repeat(n_frames)
    options = dict(sigma=args.sigma, dl=args.dl, batch=batch)

    started = time.perf_counter()
    timings = {}
    data = {}
    if periodic:
        energy, forces, stress = energy_forces_stress(
            lambda p, c: ewald_energy(p, c, all_charges, **options), positions, cells, batch=batch
        )
        data["stress_les"] = (("frame", "xyz", "xyz_"), stress.cpu().numpy())
    else:
        p = positions.clone().requires_grad_(True)
        energy = ewald_energy(p, None, all_charges, **options)
        forces = -torch.autograd.grad(energy.sum(), p)[0]
    synchronize(device)
    timings["les_kspace_s"] = time.perf_counter() - started
    data["energy_les"] = (("frame",), energy.detach().cpu().numpy())
    data["forces_les"] = (("frame", "atom", "xyz"), forces.reshape(n_frames, n_atoms, 3).cpu().numpy())

    if periodic:
        started = time.perf_counter()
        p = positions.clone().requires_grad_(True)
        energy_pme = ewald_energy(p, cells, all_charges, method="pme", mesh_spacing=args.mesh_spacing, **options)
        forces_pme = -torch.autograd.grad(energy_pme.sum(), p)[0]
        synchronize(device)
        timings["les_pme_s"] = time.perf_counter() - started
        data["energy_les_pme"] = (("frame",), energy_pme.detach().cpu().numpy())
        data["forces_les_pme"] = (("frame", "atom", "xyz"), forces_pme.reshape(n_frames, n_atoms, 3).cpu().numpy())

    started = time.perf_counter()
    point = [
        float(point_charge_energy(positions[batch == f], None if cells is None else cells[f], charges))
        for f in range(n_frames)
    ]
    synchronize(device)
    timings["point_charge_s"] = time.perf_counter() - started
    data["energy_point_charge"] = (("frame",), np.array(point))
    bec = born_effective_charges(positions, cells, all_charges, epsilon_inf=args.epsilon_inf, batch=batch)
    data["bec"] = (("frame", "atom", "xyz", "xyz_"), bec.reshape(n_frames, n_atoms, 3, 3).cpu().numpy())

    dataset = xr.Dataset(
        data,
        coords={"symbol": ("atom", symbols), "charge": ("atom", charges.cpu().numpy())},
        attrs=provenance(
            command=NAME, structures=str(args.structures), charges=args.charges, sigma_A=args.sigma,
            dl_A=args.dl, epsilon_inf=args.epsilon_inf, dtype=args.dtype, device=str(device),
            **{f"wall_{k}": f"{v:.4f}" for k, v in timings.items()},
        ),
    )
    _annotate(dataset)
    with atomic_path(args.output) as tmp:
        dataset.to_netcdf(tmp)
    _print_summary(dataset, periodic)
    print(f"wrote {args.output}")


def _annotate(dataset: xr.Dataset) -> None:
    units = {"energy": "eV", "forces": "eV/Å", "stress": "eV/Å³", "bec": "e"}
    for name, variable in dataset.data_vars.items():
        variable.attrs["units"] = units[name.split("_")[0]]


def _print_summary(dataset: xr.Dataset, periodic: bool) -> None:
    e_les = dataset.energy_les.values
    print(f"{len(e_les)} frame(s), {dataset.sizes['atom']} atoms, {'periodic' if periodic else 'open'}")
    print(f"  LES energy (k-space)        {e_les.mean():14.6f} eV   [{dataset.attrs['wall_les_kspace_s']} s]")
    if periodic:
        rel_e = np.abs(dataset.energy_les_pme.values - e_les).max() / np.abs(e_les).max()
        f_diff = dataset.forces_les_pme.values - dataset.forces_les.values
        rel_f = np.linalg.norm(f_diff) / np.linalg.norm(dataset.forces_les.values)
        print(f"  LES energy (PME)            {dataset.energy_les_pme.values.mean():14.6f} eV   "
              f"[{dataset.attrs['wall_les_pme_s']} s]  rel. diff energy {rel_e:.1e}, forces {rel_f:.1e}")
    print(f"  point-charge Coulomb energy {dataset.energy_point_charge.values.mean():14.6f} eV")
    for symbol in sorted(set(dataset.symbol.values.tolist())):
        iso = np.trace(dataset.bec.values[:, dataset.symbol.values == symbol], axis1=-2, axis2=-1).mean() / 3
        print(f"  BEC {symbol:2s} isotropic mean        {iso:10.4f} e")
