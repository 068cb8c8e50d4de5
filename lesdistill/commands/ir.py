"""``lesdistill ir``: IR spectrum, group spectra, band peaks and shifts against experiment from a response file.

Reads ``current`` (and, when present, ``group_current``) of a ``lesdistill response`` netCDF and
writes ir.nc; the layout is described in :mod:`lesdistill.spectra.analysis`. Nothing (shift,
quantum correction, smoothing, normalisation) is applied unless asked.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..config import IRConfig
from ..io.records import MadeFrom
from ..spectra.analysis import ir_dataset, write_ir
from ..spectra.peaks import BAND_SETS
from ..spectra.reference import BUNDLED_REFERENCES, load_reference, reference_path
from .options import add_settings_option, check_options, made_from_args

NAME = "ir"


def parse_normalize(text: str) -> str | tuple[float, float]:
    """'max' or 'LOW,HIGH' (cm⁻¹) → 'max' or (low, high)."""
    if text == "max":
        return text
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'max' or LOW,HIGH in cm^-1 (e.g. 2800,3800), got {text!r}") from None
    if not low < high:
        raise argparse.ArgumentTypeError(f"normalize band needs LOW < HIGH, got {text!r}")
    return (low, high)


def parse_max_wavenumber(text: str) -> float | None:
    """A wavenumber in cm⁻¹, or 'none' for no cut."""
    if text.lower() == "none":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a wavenumber in cm^-1 or 'none', got {text!r}") from None


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="IR spectrum, group spectra and band peaks from a response file")
    parser.add_argument("response", type=Path, help="response netCDF (`lesdistill response`): current, time_fs, "
                        "optionally group_current")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output netCDF (ir.nc)")
    parser.add_argument("--dt-fs", type=float, default=None,
                        help="time between frames in fs (default: the uniform step of time_fs)")
    parser.add_argument("--block-length-fs", type=float, default=None,
                        help="block length in fs (default: the whole trajectory, one block; the paper: 1250)")
    parser.add_argument("--overlap", type=float, default=0.0, help="overlap of consecutive blocks in [0, 1) (default 0)")
    parser.add_argument("--window", choices=["none", "hann"], default="none", help="window per block (default none)")
    parser.add_argument("--zero-pad", type=int, default=1, help="zero-padding factor of the FFT (default 1)")
    parser.add_argument("--max-wavenumber", type=parse_max_wavenumber, default=4000.0, dest="max_wavenumber_cm1",
                        help="highest wavenumber kept in cm^-1, or 'none' (default 4000)")
    parser.add_argument("--smoothing-cm1", type=float, default=None,
                        help="Gaussian smoothing σ in cm^-1 (default none)")
    parser.add_argument("--normalize", type=parse_normalize, default=None,
                        help="'max' or LOW,HIGH: divide all spectra by the total's maximum (in that band) (default none)")
    parser.add_argument("--nqe-shift", action="store_true", help="apply the paper's empirical NQE red shift")
    parser.add_argument("--quantum-correction-K", type=float, default=None,
                        help="harmonic quantum correction of intensities at this temperature in K (default none)")
    parser.add_argument("--reference", default=None, metavar="{" + ",".join(BUNDLED_REFERENCES) + "}|PATH",
                        help="experimental band positions: peak shifts vs experiment, and the reference's bands")
    parser.add_argument("--bands", choices=sorted(BAND_SETS), default=None,
                        help="band windows for peaks (default: the reference's, else water)")
    add_settings_option(parser)
    return parser


def made_from(args: argparse.Namespace) -> MadeFrom:
    """The response file (and a reference file) and the options (the config's ranges)."""
    check_options(args, IRConfig, {"block_length_fs": "block_length_fs", "overlap": "overlap", "zero_pad": "zero_pad",
                                   "max_wavenumber_cm1": "max_wavenumber_cm1", "smoothing_cm1": "smoothing_cm1",
                                   "quantum_correction_K": "quantum_correction_K"})
    if args.dt_fs is not None and not args.dt_fs > 0:
        raise ValueError(f"--dt-fs {args.dt_fs}: must be positive (fs)")
    made = made_from_args(args, NAME, ("response",))
    if args.reference is None:
        return made
    measured = {f"reference_spectrum[{name}]": file for name, file in load_reference(args.reference).spectrum_files.items()}
    return MadeFrom(made.command, made.output, {**made.inputs, "reference": reference_path(args.reference), **measured},
                    made.settings)


def run(args: argparse.Namespace) -> None:
    dataset = ir_dataset(args.response, dt_fs=args.dt_fs, block_length_fs=args.block_length_fs, overlap=args.overlap,
                         window=args.window, zero_pad=args.zero_pad, max_wavenumber=args.max_wavenumber_cm1,
                         smoothing_cm1=args.smoothing_cm1, normalize=args.normalize, nqe_shift=args.nqe_shift,
                         quantum_correction_K=args.quantum_correction_K, reference=args.reference, bands=args.bands)
    path = write_ir(dataset, args.output)
    _print_peaks(dataset)
    print(f"wrote {path}")


def _print_peaks(dataset) -> None:
    print(f"{dataset.attrs['n_frames']} frames at {dataset.attrs['dt_fs']} fs, {dataset.attrs['n_blocks']} block(s), "
          f"bin {float(dataset.attrs['bin_width_cm1']):.2f} cm^-1")
    shifts = dataset.get("peak_shift")
    for i, band in enumerate(dataset.band.values):
        position, error = float(dataset.peak_position[i]), float(dataset.peak_position_error[i])
        width = float(dataset.peak_width[i])
        if math.isnan(position):
            line = f"  {band:24s} not covered by the spectrum"
        elif not bool(dataset.peak_interior[i]):
            line = f"  {band:24s} no peak: maximum on the band edge at {position:.1f} cm^-1"
        else:
            line = f"  {band:24s} {position:8.1f} ± {error:5.1f} cm^-1  FWHM {width:7.1f}"
        if shifts is not None and not math.isnan(float(shifts[i])):
            line += f"  shift {float(shifts[i]):+7.1f} vs {float(dataset.reference_position[i]):.0f}"
        print(line)
