"""IR analysis of a response file: total and group spectra, band peaks, shifts against a reference → ir.nc.

Input (``lesdistill response`` output, netCDF): ``current`` (frame, xyz) in e·Å/fs, ``time_fs``
(frame), and optionally ``group_current`` (frame, group, xyz) whose attribute ``group_names`` is a
JSON list of group names (e.g. hydronium cores, complexes, bulk water). Output (:func:`ir_dataset`):

- coordinates ``wavenumber`` (cm^-1), ``band`` with ``band_low``/``band_high`` (cm^-1), and with
  groups ``group`` (names);
- ``intensity``, ``error`` (wavenumber): the block-averaged spectrum of the total current and its
  standard error over blocks;
- ``group_intensity`` (group, wavenumber): auto-spectrum of each group current;
  ``group_cross_intensity`` (group, wavenumber): its cross spectrum with the total current, the
  group's contribution (they add up to ``intensity`` when the groups partition the system);
- ``peak_position``, ``peak_width`` (FWHM), ``peak_height``, ``peak_position_error``,
  ``peak_width_error``, ``peak_height_error``, ``peak_interior`` (band) of the total spectrum and
  ``group_peak_*`` (group, band) of the group auto-spectra (errors from the blocks; NaN with one
  block; all NaN for a band with fewer than 3 points of the spectrum);
- with a reference: ``reference_position`` and ``peak_shift`` = model − experiment (band), NaN for
  bands the reference lacks and for bands whose maximum sits on their edge (``peak_interior`` False);
- with a reference that has measured spectra (``spectra:`` in its YAML): coordinate ``experiment``
  (``total`` and/or group names), ``experiment_intensity`` (experiment, wavenumber) interpolated on
  the model's grid (NaN outside the measured range), ``spectral_distance`` (experiment) against the
  model spectrum of the same name on the range both cover (``spectral_distance_low``/``_high``);
- attributes: the options as JSON (``options``), provenance, ``dt_fs``, ``n_frames``, ``n_blocks``,
  the reference's name and source, and every attribute of the response file prefixed ``response_``.

With ``normalize`` every spectrum is divided by the one scale that normalises the total, so group
spectra stay comparable with it; peak heights are then in those units.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import xarray as xr

from ..io.atomic import atomic_path
from ..provenance import provenance
from .ir import SPEED_OF_LIGHT_CM_S, cross_spectrum, ir_spectrum, normalization_scale
from .peaks import BAND_SETS, WATER_BANDS, Peak, check_bands, find_peaks
from .reference import load_reference, overlap_distance, peak_shifts, reference_bands

PEAK_FIELDS = ("position", "width", "height", "position_error", "width_error", "height_error", "interior")
RESPONSE_ATTR_PREFIX = "response_"
#: Relative tolerance on the spread of time steps in ``time_fs``.
TIME_STEP_TOLERANCE = 1e-6


def read_response(path: Path | str) -> dict:
    """Current (T, 3), time step, group currents (G, T, 3) and names, and attributes of a response file."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"response file {path} does not exist")
    try:
        dataset = xr.open_dataset(path)
    except (OSError, RuntimeError, TypeError, ValueError) as error:  # what the back-ends raise for unreadable files
        raise ValueError(f"cannot read response file {path}: {error}") from error
    with dataset:
        return _response_arrays(dataset, path)


def _response_arrays(dataset: xr.Dataset, path: Path) -> dict:
    """Only the variables the spectra need are read from disk."""
    if "current" not in dataset:
        raise ValueError(f"response file {path} lacks the variable 'current' (frame, xyz)")
    current = dataset["current"]
    if current.ndim != 2 or current.shape[1] != 3:
        raise ValueError(f"'current' in {path} must have shape (frame, 3), got {current.shape}")
    result = {"current": current.values.astype(float), "attrs": dict(dataset.attrs),
              "time_fs": dataset["time_fs"].values.astype(float) if "time_fs" in dataset else None,
              "group_current": None, "group_names": []}
    if "group_current" in dataset:
        group = dataset["group_current"]
        if set(group.dims) == {"frame", "group", "xyz"}:
            group = group.transpose("frame", "group", "xyz")
        if group.ndim != 3 or group.shape[0] != current.shape[0] or group.shape[2] != 3:
            raise ValueError(f"'group_current' in {path} must have shape (frame, group, 3) with "
                             f"{current.shape[0]} frames, got {group.shape}")
        names = _group_names(group, path)
        result["group_current"] = np.moveaxis(group.values.astype(float), 1, 0)  # (group, frame, xyz)
        result["group_names"] = names
    return result


def _group_names(group: xr.DataArray, path: Path) -> list[str]:
    n_groups = group.shape[1]
    text = group.attrs.get("group_names")
    if text is None:
        return [f"group_{i}" for i in range(n_groups)]
    try:
        names = json.loads(text)
    except (TypeError, json.JSONDecodeError):
        raise ValueError(f"'group_current' attribute group_names in {path} is not a JSON list: {text!r}") from None
    if not isinstance(names, list) or len(names) != n_groups or len(set(map(str, names))) != n_groups:
        raise ValueError(f"'group_current' attribute group_names in {path} must list {n_groups} distinct names, "
                         f"got {names!r}")
    return [str(name) for name in names]


def time_step(time_fs: np.ndarray | None, path: Path | str = "response file") -> float:
    """The uniform time step (fs) of ``time_fs``; ValueError if missing, too short or not uniform."""
    if time_fs is None:
        raise ValueError(f"{path} lacks the variable 'time_fs'; give the time step with --dt-fs")
    steps = np.diff(np.asarray(time_fs, dtype=float))
    if len(steps) == 0:
        raise ValueError(f"{path} holds fewer than 2 frames; no time step")
    dt = float(np.median(steps))
    if not dt > 0 or np.abs(steps - dt).max() > TIME_STEP_TOLERANCE * dt:
        raise ValueError(f"{path} has a non-uniform time step in 'time_fs' (steps {steps.min():g} to {steps.max():g} fs); "
                         "spectra need uniformly sampled frames")
    return dt


def ir_dataset(response: Path | str, *, dt_fs: float | None = None, block_length_fs: float | None = None,
               overlap: float = 0.0, window: str = "none", zero_pad: int = 1,
               max_wavenumber: float | None = 4000.0, smoothing_cm1: float | None = None,
               normalize: str | tuple[float, float] | None = None, nqe_shift: bool = False,
               quantum_correction_K: float | None = None, reference: str | Path | None = None,
               bands: str | None = None) -> xr.Dataset:
    """The IR analysis of a response file as an xarray Dataset (layout in the module docstring).

    ``dt_fs`` defaults to the uniform step of ``time_fs``; ``block_length_fs`` to the whole
    trajectory; ``smoothing_cm1`` is the Gaussian σ in cm⁻¹; ``reference`` a bundled name
    ('water', 'hcl') or a YAML path; ``bands`` 'water' or 'hcl' (default: the reference's bands,
    else water).
    """
    options = {"dt_fs": dt_fs, "block_length_fs": block_length_fs, "overlap": overlap, "window": window,
               "zero_pad": zero_pad, "max_wavenumber": max_wavenumber, "smoothing_cm1": smoothing_cm1,
               "normalize": normalize, "nqe_shift": nqe_shift, "quantum_correction_K": quantum_correction_K,
               "reference": None if reference is None else str(reference), "bands": bands}
    data = read_response(response)
    if dt_fs is None:
        dt_fs = time_step(data["time_fs"], response)
    elif not dt_fs > 0:
        raise ValueError(f"--dt-fs must be positive, got {dt_fs}")
    n_frames = len(data["current"])
    block_length = n_frames if block_length_fs is None else round(block_length_fs / dt_fs)
    if block_length > n_frames:
        raise ValueError(f"response file {response} holds {n_frames} frames ({n_frames * dt_fs:g} fs), too few for "
                         f"the block length of {block_length} frames ({block_length_fs:g} fs)")
    if block_length < 2:
        raise ValueError(f"the block length must span at least 2 frames, got {block_length} "
                         f"(block length {block_length_fs} fs, time step {dt_fs:g} fs)")
    reference_data = load_reference(reference) if reference is not None else None
    if bands is not None:
        if bands not in BAND_SETS:
            raise ValueError(f"bands must be one of {', '.join(BAND_SETS)}, got {bands!r}")
        band_list = BAND_SETS[bands]
    else:
        band_list = reference_bands(reference_data) if reference_data is not None else WATER_BANDS
    band_list = check_bands(band_list)

    if not (isinstance(zero_pad, int) and zero_pad >= 1):
        raise ValueError(f"zero_pad must be an integer of at least 1, got {zero_pad!r}")
    n_fft = block_length * zero_pad
    bin_cm1 = 1e15 / (SPEED_OF_LIGHT_CM_S * n_fft * dt_fs)
    smoothing_points = smoothing_cm1 / bin_cm1 if smoothing_cm1 else None
    spectrum_options = {"block_length": block_length, "overlap": overlap, "window": window, "zero_pad": zero_pad,
                        "max_wavenumber": max_wavenumber, "smoothing_points": smoothing_points, "nqe_shift": nqe_shift,
                        "quantum_correction_K": quantum_correction_K, "return_error": True, "return_blocks": True}
    wavenumber, intensity, error, blocks = ir_spectrum(data["current"], dt_fs, **spectrum_options)
    scale = normalization_scale(wavenumber, intensity, normalize) if normalize is not None else 1.0
    intensity, error, blocks = intensity / scale, error / scale, blocks / scale

    variables = {"intensity": (("wavenumber",), intensity, "total current"),
                 "error": (("wavenumber",), error, "standard error of intensity over blocks")}
    peaks = _band_peaks(wavenumber, intensity, blocks, band_list)
    for field in PEAK_FIELDS:
        variables[f"peak_{field}"] = (("band",), np.array([getattr(p, field) for p in peaks]), "total spectrum")
    coords = {"wavenumber": ("wavenumber", wavenumber, {"units": "cm^-1"}),
              "band": ("band", [name for name, _, _ in band_list]),
              "band_low": ("band", [low for _, low, _ in band_list], {"units": "cm^-1"}),
              "band_high": ("band", [high for _, _, high in band_list], {"units": "cm^-1"})}

    if data["group_current"] is not None:
        coords["group"] = ("group", data["group_names"])
        auto, cross, group_peaks = [], [], []
        for name, group_current in zip(data["group_names"], data["group_current"], strict=True):
            try:
                _, group_intensity, _, group_blocks = ir_spectrum(group_current, dt_fs, **spectrum_options)
                _, group_cross = cross_spectrum(group_current, data["current"], dt_fs,
                                                **{**spectrum_options, "return_error": False, "return_blocks": False})
            except ValueError as error:
                raise ValueError(f"group_current of group {name!r}: {error}") from error
            auto.append(group_intensity / scale)
            cross.append(group_cross / scale)
            group_peaks.append(_band_peaks(wavenumber, auto[-1], group_blocks / scale, band_list))
        variables["group_intensity"] = (("group", "wavenumber"), np.array(auto), "auto-spectrum of the group current")
        variables["group_cross_intensity"] = (("group", "wavenumber"), np.array(cross),
                                              "cross spectrum of the group current with the total current")
        for field in PEAK_FIELDS:
            values = np.array([[getattr(p, field) for p in row] for row in group_peaks])
            variables[f"group_peak_{field}"] = (("group", "band"), values, "group auto-spectrum")

    attrs = {}
    if reference_data is not None:
        shifts = peak_shifts({p.band: p for p in peaks}, reference_data)
        names = [name for name, _, _ in band_list]
        variables["reference_position"] = (("band",), np.array([reference_data.positions.get(n, math.nan) for n in names]),
                                           f"experiment ({reference_data.name})")
        interior = {p.band: p.interior for p in peaks}
        variables["peak_shift"] = (("band",), np.array([shifts.get(n, math.nan) if interior[n] else math.nan
                                                        for n in names]),
                                   "model minus experiment (NaN where the band maximum is on its edge)")
        if reference_data.spectra:
            variables.update(_experiment_variables(reference_data, wavenumber, intensity, variables, coords))
            coords["experiment"] = ("experiment", list(reference_data.spectra))
        attrs.update(reference_name=reference_data.name, reference_source=reference_data.source,
                     reference_approximate=str(reference_data.approximate).lower(),
                     reference_file=str(reference_data.path))

    dataset = xr.Dataset({name: (dims, values, {"description": text}) for name, (dims, values, text) in variables.items()},
                         coords=coords)
    _annotate_units(dataset, normalized=normalize is not None)
    attrs.update(dt_fs=f"{dt_fs:.10g}", n_frames=str(n_frames), block_length_frames=str(block_length),
                 n_blocks=str(len(blocks)), bin_width_cm1=f"{bin_cm1:.10g}", band_set=json.dumps(band_list))
    dataset.attrs = provenance(command="ir", response=str(response), options=json.dumps(options, sort_keys=True), **attrs)
    dataset.attrs.update({f"{RESPONSE_ATTR_PREFIX}{key}": _attribute_text(value) for key, value in data["attrs"].items()})
    return dataset


def _experiment_variables(reference, wavenumber, intensity, variables, coords) -> dict:
    """The reference's measured spectra on the model's grid (NaN outside their range; their own units) and
    the spectral distance of each from the model's spectrum of the same name (total, or a group's)."""
    groups = list(coords["group"][1]) if "group" in coords else []
    measured, distances, ranges = [], [], []
    for name, (experiment_wavenumber, experiment_intensity) in reference.spectra.items():
        if name == "total":
            model = intensity
        elif name in groups:
            model = variables["group_intensity"][1][groups.index(name)]
        else:
            raise ValueError(f"reference {reference.path}: spectrum {name!r} is neither 'total' nor a group of this "
                             f"response ({', '.join(groups) or 'no groups'})")
        try:
            distance, overlap = overlap_distance(wavenumber, model, experiment_wavenumber, experiment_intensity)
        except ValueError as error:
            raise ValueError(f"reference {reference.path}: spectrum {name!r}: {error}") from None
        measured.append(np.interp(wavenumber, experiment_wavenumber, experiment_intensity, left=math.nan,
                                  right=math.nan))
        distances.append(distance)
        ranges.append(overlap)
    return {"experiment_intensity": (("experiment", "wavenumber"), np.array(measured),
                                     f"measured spectrum ({reference.name}), interpolated; NaN outside its range"),
            "spectral_distance": (("experiment",), np.array(distances), "RMS difference of the max-normalised model "
                                  "and measured spectra on the range both cover (0: same shape)"),
            "spectral_distance_low": (("experiment",), np.array([r[0] for r in ranges]), "overlap start"),
            "spectral_distance_high": (("experiment",), np.array([r[1] for r in ranges]), "overlap end")}


def write_ir(dataset: xr.Dataset, output: Path | str) -> Path:
    """Write ``dataset`` to ``output`` (netCDF) atomically: readers never see a partial file."""
    output = Path(output)
    with atomic_path(output) as tmp:
        dataset.to_netcdf(tmp, engine="netcdf4")
    return output


def _band_peaks(wavenumber, intensity, blocks, bands) -> list[Peak]:
    """Peaks of every band, NaN (with a warning) for bands with fewer than 3 points of the spectrum."""
    counts = {name: int(((wavenumber >= low) & (wavenumber <= high)).sum()) for name, low, high in bands}
    usable = [band for band in bands if counts[band[0]] >= 3]
    found = find_peaks(wavenumber, intensity, usable, block_spectra=blocks) if usable else {}
    peaks = []
    for name, low, high in bands:
        if name not in found:
            print(f"lesdistill ir: warning: band {name} ({low:g}-{high:g} cm^-1) holds {counts[name]} point(s) of "
                  "the spectrum; its peak is NaN", file=sys.stderr)
            found[name] = Peak(name, low, high, math.nan, math.nan, math.nan, interior=False)
        peaks.append(found[name])
    return peaks


def _annotate_units(dataset: xr.Dataset, normalized: bool) -> None:
    intensity_units = "normalized" if normalized else "(e*angstrom/fs)^2/cm^-1"
    for name, variable in dataset.data_vars.items():
        if any(word in name for word in ("position", "width", "shift", "distance_low", "distance_high")):
            variable.attrs["units"] = "cm^-1"
        elif name == "spectral_distance":
            variable.attrs["units"] = "1"
        elif name == "experiment_intensity":
            variable.attrs["units"] = "as in the measured file"
        elif "interior" not in name:
            variable.attrs["units"] = intensity_units


def _attribute_text(value) -> str:
    if isinstance(value, np.ndarray):
        return json.dumps(value.tolist())
    return value if isinstance(value, str) else str(value)
