"""ASE integrators for each ensemble/thermostat, and their internal state for exact restarts.

``nose_hoover``: ``ase.md.nose_hoover_chain.NoseHooverChainNVT`` (tdamp = thermostat_time_fs; chain length 1
is the plain Nosé–Hoover thermostat of ``ase.md.npt.NPT`` with pfactor=None, which ASE 3.29 deprecates).
``bussi``: ``ase.md.bussi.Bussi`` (taut = thermostat_time_fs). ``langevin``: ``ase.md.langevin.Langevin``
(friction = 1/thermostat_time_fs, centre of mass not fixed). ``nve``: ``ase.md.verlet.VelocityVerlet``.
Stochastic thermostats draw from a numpy ``Generator`` whose bit-generator state is checkpointed.
"""

from __future__ import annotations

import json

import numpy as np
from ase import Atoms, units
from ase.md.bussi import Bussi
from ase.md.langevin import Langevin
from ase.md.md import MolecularDynamics
from ase.md.nose_hoover_chain import NoseHooverChainNVT
from ase.md.verlet import VelocityVerlet

from .settings import MDSettings


def make_dynamics(atoms: Atoms, settings: MDSettings, rng: np.random.Generator) -> MolecularDynamics:
    """The ASE dynamics object for ``settings`` acting on ``atoms`` (momenta already set)."""
    timestep = settings.timestep_fs * units.fs
    tau = settings.thermostat_time_fs * units.fs
    if settings.ensemble == "nve":
        return VelocityVerlet(atoms, timestep=timestep)
    if settings.thermostat == "nose_hoover":
        return NoseHooverChainNVT(atoms, timestep, temperature_K=settings.temperature_K, tdamp=tau,
                                  tchain=settings.chain_length)
    if settings.thermostat == "bussi":
        return Bussi(atoms, timestep, temperature_K=settings.temperature_K, taut=tau, rng=rng)
    return Langevin(atoms, timestep, temperature_K=settings.temperature_K, friction=1.0 / tau, fixcm=False, rng=rng)


def dynamics_state(dynamics: MolecularDynamics) -> dict[str, np.ndarray]:
    """Thermostat variables beyond positions and momenta, as arrays (the RNG state as JSON text)."""
    state = {}
    if isinstance(dynamics, NoseHooverChainNVT):
        state["eta"] = dynamics._thermostat._eta.copy()
        state["p_eta"] = dynamics._thermostat._p_eta.copy()
    if isinstance(dynamics, Bussi):
        state["transferred_energy"] = np.asarray(dynamics.transferred_energy)
    if isinstance(dynamics, (Bussi, Langevin)):
        state["rng"] = np.asarray(json.dumps(dynamics.rng.bit_generator.state))
    return state


def restore_dynamics_state(dynamics: MolecularDynamics, state: dict[str, np.ndarray]) -> None:
    """Put the variables from :func:`dynamics_state` back into a freshly built ``dynamics``."""
    if isinstance(dynamics, NoseHooverChainNVT):
        dynamics._thermostat._eta[:] = state["eta"]
        dynamics._thermostat._p_eta[:] = state["p_eta"]
    if isinstance(dynamics, Bussi):
        dynamics.transferred_energy = float(state["transferred_energy"])
    if isinstance(dynamics, (Bussi, Langevin)):
        dynamics.rng.bit_generator.state = json.loads(str(state["rng"]))


def conserved_energy(dynamics: MolecularDynamics, potential_energy: float, kinetic_energy: float) -> float | None:
    """The integrator's conserved quantity (eV), or None for Langevin, which has none."""
    if isinstance(dynamics, NoseHooverChainNVT):
        return potential_energy + kinetic_energy + dynamics._thermostat.get_thermostat_energy()
    if isinstance(dynamics, Bussi):
        return potential_energy + kinetic_energy - dynamics.transferred_energy
    if isinstance(dynamics, Langevin):
        return None
    return potential_energy + kinetic_energy
