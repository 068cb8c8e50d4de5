"""The system registry: every fact about a benchmark system in one entry (like the teacher catalog).

An entry (:class:`SystemSpec`) names the builder (the config's ``builder:`` and ``lesdistill
build-system <builder>``), its parameters (a :class:`~lesdistill.systems.parameters.BuilderParameters`
model: fields, ranges, defaults, units; the config section, the CLI options and the workflow's
arguments are generated from it), the display name of the figures, the bundled experimental IR
reference (band positions and the band windows of the peak table), the group decomposition of the
dipole current, the element whose BEC sign fixes the latent charges' sign, and the quality-gate
defaults. Adding a system is one entry here plus its builder.

Systems outside the package: ``LESDISTILL_SYSTEM_MODULES`` names importable modules (comma-separated),
each holding ``SYSTEM_SPECS``, a sequence of entries; they are registered when this module loads,
before the config models are built, so the config, the CLI and every workflow job see them.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from .anatase import TiO2WaterParameters
from .hcl import HClParameters
from .parameters import BuilderParameters
from .water import WaterParameters

#: Environment variable naming modules with further entries (``SYSTEM_SPECS``).
PLUGIN_VARIABLE = "LESDISTILL_SYSTEM_MODULES"


@dataclass(frozen=True)
class SystemSpec:
    """One benchmark system.

    ``reference``: bundled IR reference name (``config/reference/<name>_ir.yaml``) or None;
    ``decomposition``: name in :data:`lesdistill.decomposition.DECOMPOSITIONS` or None;
    ``sign_element``: element whose mean isotropic BEC is negative (fixes the latent-charge sign);
    ``quality``: quality-gate thresholds of this system (fields of ``QualitySettings``).
    """

    builder: str
    display_name: str
    parameters: type[BuilderParameters]
    reference: str | None = None
    decomposition: str | None = None
    sign_element: str = "O"
    quality: Mapping[str, float] = field(default_factory=dict)

    @property
    def config_name(self) -> str:
        """Name of the config section model: WaterParameters → WaterSystem."""
        return self.parameters.__name__.removesuffix("Parameters") + "System"


BUILT_IN = (
    SystemSpec("water", "liquid water", WaterParameters, reference="water",
               quality={"max_force_rmse_mev_a": 60.0, "max_energy_rmse_mev_atom": 5.0}),
    SystemSpec("hcl", "HCl(aq)", HClParameters, reference="hcl", decomposition="hcl",
               quality={"max_force_rmse_mev_a": 100.0, "max_energy_rmse_mev_atom": 5.0}),
    SystemSpec("tio2-water", "TiO$_2$(101)–water", TiO2WaterParameters, reference="water",
               decomposition="water-layers", quality={"max_force_rmse_mev_a": 150.0, "max_energy_rmse_mev_atom": 10.0}),
)


def _load(built_in: Sequence[SystemSpec], modules: str) -> Mapping[str, SystemSpec]:
    specs = list(built_in)
    for name in filter(None, (part.strip() for part in modules.split(","))):
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            raise ImportError(f"{PLUGIN_VARIABLE}: cannot import {name!r}: {error}") from None
        specs += list(getattr(module, "SYSTEM_SPECS", ()))
    registry: dict[str, SystemSpec] = {}
    for spec in specs:
        if spec.builder in registry:
            raise ValueError(f"system builder {spec.builder!r} is registered twice")
        registry[spec.builder] = spec
    return MappingProxyType(registry)


#: builder name → entry: the built-in systems and those of ``LESDISTILL_SYSTEM_MODULES``.
SYSTEMS: Mapping[str, SystemSpec] = _load(BUILT_IN, os.environ.get(PLUGIN_VARIABLE, ""))


def system_spec(builder: str) -> SystemSpec:
    """The entry of ``builder``; ValueError naming the known builders otherwise."""
    try:
        return SYSTEMS[builder]
    except KeyError:
        raise ValueError(f"unknown system builder {builder!r}; known: {', '.join(SYSTEMS)}") from None
