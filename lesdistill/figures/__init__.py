"""Publication figures of a lesdistill campaign (matplotlib, no GUI; every figure as PDF and PNG).

- :func:`ir_spectra`: IR spectra of all teachers of one system against experiment, one panel per
  level of theory.
- :func:`bec_distributions`: per-element distributions of the per-atom isotropic BEC.
- :func:`bec_parity` (+ :func:`bec_parity_data`, :func:`point_charge_becs`): student against reference
  BEC tensor components.
- :func:`group_spectra`: group auto- and cross-spectra of a decomposed cell.
- :func:`density_profile`: water density against distance from the TiO2 surface.
- :func:`cost_table`: MD steps/s of teachers and students (bar chart and Markdown table).
- :func:`make_figures`: all that a set of inputs allows (behind ``lesdistill figures``).
"""

from .bec import bec_distributions, read_bec_distributions
from .costs import cost_table, md_speeds
from .density import density_profile
from .groups import group_spectra
from .ir import ir_spectra
from .make import make_figures
from .parity import (
    SPCFW_CHARGES,
    ParityResult,
    bec_parity,
    bec_parity_data,
    parity_statistics,
    point_charge_becs,
)
from .style import DPI, FORMATS, PALETTE

__all__ = [
    "DPI",
    "FORMATS",
    "PALETTE",
    "SPCFW_CHARGES",
    "ParityResult",
    "bec_distributions",
    "bec_parity",
    "bec_parity_data",
    "cost_table",
    "density_profile",
    "group_spectra",
    "ir_spectra",
    "make_figures",
    "md_speeds",
    "parity_statistics",
    "point_charge_becs",
    "read_bec_distributions",
]
